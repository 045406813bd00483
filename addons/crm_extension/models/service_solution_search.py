# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Finding articles: PostgreSQL full-text search over ``search_document``.

A trigger keeps the ``search_vector`` column from the document, in the
article's language (``search_config``), and a GIN index serves the ranked
queries of the back office, the ticket's suggestions and the portal."""

import re

from odoo import api, models, tools
from odoo.tools import SQL

from .service_solution import PORTAL_DOMAIN

# PostgreSQL text search configurations by language (every PostgreSQL ships
# these). Languages without a stemmer in PostgreSQL (Chinese, Korean,
# Japanese...) use "simple": words as written, lowercased.
TEXT_SEARCH_CONFIGS = {
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nb": "norwegian",
    "nl": "dutch",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}
# Characters of a record's text used to rank articles.
QUERY_MAX = 2000


class ServiceSolution(models.Model):
    _inherit = "service.solution"

    @api.depends("lang")
    def _compute_search_config(self):
        for solution in self:
            solution.search_config = self._text_search_config(solution.lang)

    @api.depends(
        "name",
        "symptoms",
        "problem",
        "document_page_id.history_head",
        "tag_ids.name",
        "product_ids.name",
    )
    def _compute_search_document(self):
        for solution in self:
            parts = [
                " ".join((solution.name or "").split()),
                solution.symptoms,
                solution.problem,
                tools.html2plaintext(solution.resolution or ""),
                " ".join(solution.tag_ids.mapped("name")),
                " ".join(solution.product_ids.mapped("name")),
            ]
            solution.search_document = "\n".join(part or "" for part in parts)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def init(self):
        """The search vector, kept by a trigger, and its GIN index.

        The first line of ``search_document`` is the title: it weighs most."""
        cr = self.env.cr
        cr.execute(
            SQL(
                "ALTER TABLE service_solution "
                "ADD COLUMN IF NOT EXISTS search_vector tsvector"
            )
        )
        cr.execute(
            SQL(
                """
                CREATE OR REPLACE FUNCTION service_solution_search_vector()
                RETURNS trigger AS $$
                DECLARE
                    config regconfig :=
                        COALESCE(NEW.search_config, 'simple')::regconfig;
                    doc text := COALESCE(NEW.search_document, '');
                BEGIN
                    NEW.search_vector :=
                        setweight(to_tsvector(config, split_part(doc, E'\\n', 1)), 'A')
                        || setweight(to_tsvector(config, doc), 'B');
                    RETURN NEW;
                END
                $$ LANGUAGE plpgsql
                """
            )
        )
        cr.execute(
            SQL(
                """
                CREATE OR REPLACE TRIGGER service_solution_search_vector
                BEFORE INSERT OR UPDATE OF search_document, search_config
                ON service_solution
                FOR EACH ROW EXECUTE FUNCTION service_solution_search_vector()
                """
            )
        )
        cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS service_solution_search_vector_idx "
                "ON service_solution USING gin (search_vector)"
            )
        )
        cr.execute(
            SQL(
                "UPDATE service_solution SET search_document = search_document "
                "WHERE search_vector IS NULL"
            )
        )

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    @api.model
    def _text_search_config(self, lang):
        """The PostgreSQL text search configuration for a language code
        (es_ES -> spanish, zh_CN -> simple)."""
        return TEXT_SEARCH_CONFIGS.get((lang or "").split("_")[0], "simple")

    @api.model
    def _search_ranked(
        self, text, lang=None, domain=None, limit=5, match_any=False, products=None
    ):
        """Articles matching ``text``, best first, as [(article, rank)].

        ``text`` is read like a web search box (websearch_to_tsquery: quoted
        phrases, "or", -word) in the language ``lang``; with ``match_any`` any
        of its words is enough (a ticket's description against the articles),
        else all are needed (a customer's search). The caller's access rules
        apply; articles about one of ``products`` rank higher."""
        text = (text or "").strip()[:QUERY_MAX]
        if match_any:
            # negations and phrases make no sense for a ticket's own text
            text = re.sub(r"[\"\-!&|():<>]", " ", text)
        if not text.strip():
            return []
        self.flush_model(["search_document", "search_config"])
        query = self._search(domain or [])
        tsquery = SQL(
            "websearch_to_tsquery(%s::regconfig, %s)",
            self._text_search_config(lang or self.env.lang),
            text,
        )
        if match_any:
            tsquery = SQL(
                "regexp_replace((%s)::text, ' & ', ' | ', 'g')::tsquery", tsquery
            )
        vector = SQL.identifier(query.table, "search_vector")
        rank = SQL("ts_rank(%s, %s)", vector, tsquery)
        if products:
            rank = SQL(
                """%s * CASE WHEN EXISTS (
                    SELECT 1 FROM service_solution_product_rel rel
                    WHERE rel.solution_id = %s AND rel.product_id IN %s
                ) THEN 1.5 ELSE 1 END""",
                rank,
                SQL.identifier(query.table, "id"),
                tuple(products.ids),
            )
        query.add_where(SQL("%s @@ %s", vector, tsquery))
        query.order = SQL("%s DESC, %s DESC", rank, SQL.identifier(query.table, "id"))
        query.limit = limit
        rows = self.env.execute_query(
            query.select(SQL.identifier(query.table, "id"), rank)
        )
        return [(self.browse(solution_id), score) for solution_id, score in rows]

    @api.model
    def _portal_search(self, text=None, limit=20, match_any=False):
        """The articles a customer finds on the portal: published, shown on the
        portal, and readable by them (record rules), best match first."""
        if not text or not text.strip():
            return self.search(PORTAL_DOMAIN, limit=limit)
        ranked = self._search_ranked(
            text,
            lang=self.env.user.lang,
            domain=PORTAL_DOMAIN,
            limit=limit,
            match_any=match_any,
        )
        if not ranked and not match_any:
            ranked = self._search_ranked(
                text,
                lang=self.env.user.lang,
                domain=PORTAL_DOMAIN,
                limit=limit,
                match_any=True,
            )
        return self.browse([solution.id for solution, _rank in ranked])
