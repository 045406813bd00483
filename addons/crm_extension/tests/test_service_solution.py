# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json

import psycopg2

from odoo.exceptions import AccessError
from odoo.http import Request
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import ServiceCommon, ServiceHttpCommon


class SolutionDataMixin:
    @classmethod
    def _create_solution(cls, name, **vals):
        return cls.env["service.solution"].create(
            {"name": name, "state": "published", "lang": "en_US", **vals}
        )

    @classmethod
    def _setup_solutions(cls):
        cls.leak = cls._create_solution(
            "Coffee machine leaks water",
            symptoms="A puddle of water under the machine every morning.",
            resolution="<p>Replace the gasket of the water tank.</p>",
            portal_published=True,
        )
        cls.heat = cls._create_solution(
            "Coffee machine does not heat",
            symptoms="The coffee comes out cold.",
            resolution="<p>Descale the boiler.</p>",
            portal_published=True,
        )
        cls.noise = cls._create_solution(
            "Grinder makes a loud noise",
            symptoms="Grinding noise when brewing.",
            resolution="<p>Unplug the machine and clean the burrs.</p>",
        )
        cls.draft = cls._create_solution(
            "Machine leaks water and coffee everywhere", state="draft"
        )


@tagged("post_install", "-at_install")
class TestServiceSolution(SolutionDataMixin, ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_solutions()

    def _create_ticket(self, **vals):
        return self.env["helpdesk.ticket"].create(
            {
                "name": "Machine leaks water",
                "description": "<p>There is water leaking under the coffee "
                "machine. It does not heat well either.</p>",
                "partner_id": self.customer_contact.id,
                **vals,
            }
        )

    # ------------------------------------------------------------------
    # Ranking
    # ------------------------------------------------------------------
    def test_ranking_orders_published_articles_best_first(self):
        ticket = self._create_ticket()
        self.assertEqual(
            ticket.with_user(self.service_user).suggested_solution_ids.ids,
            [self.leak.id, self.heat.id, self.noise.id],
            "title words weigh most, the draft is never suggested",
        )
        unrelated = self._create_ticket(
            name="Invoice address", description="<p>Please change it.</p>"
        )
        self.assertFalse(unrelated.suggested_solution_ids)

    def test_articles_about_the_product_rank_higher(self):
        self.noise.product_ids = self.product
        feedback = self._create_feedback(
            name="Noise from my machine",
            description="The coffee machine makes a noise",
            product_id=self.product.id,
        )
        self.assertEqual(feedback.suggested_solution_ids[:1], self.noise)

    def test_ranking_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("es_ES")
        spanish = self.customer_contact.copy({"lang": "es_ES", "name": "Ana"})
        fuga = self._create_solution(
            "Fugas de agua en la cafetera",
            symptoms="Charcos debajo de la cafetera.",
            lang="es_ES",
        )
        frio = self._create_solution(
            "La cafetera no calienta", symptoms="El café sale frío.", lang="es_ES"
        )
        self.assertEqual(fuga.search_config, "spanish")
        ticket = self._create_ticket(
            name="Mi cafetera tiene una fuga",
            description="<p>Sale agua por debajo.</p>",
            partner_id=spanish.id,
        )
        # "fuga" finds "Fugas" through Spanish stemming; English ones stay out
        self.assertEqual(ticket.suggested_solution_ids.ids, [fuga.id, frio.id])
        Solution = self.env["service.solution"]
        self.assertEqual(Solution._text_search_config("es_ES"), "spanish")
        self.assertEqual(Solution._text_search_config("zh_CN"), "simple")
        self.assertEqual(Solution._text_search_config("ko_KR"), "simple")
        self.assertEqual(Solution._text_search_config("en_US"), "english")

    def test_search_index_follows_edits(self):
        ticket = self._create_ticket(
            name="Display shows E42", description="<p>Error E42</p>"
        )
        self.assertFalse(ticket.suggested_solution_ids)
        self.noise.symptoms = "The display shows error E42."
        ticket.invalidate_recordset(["suggested_solution_ids"])
        self.assertEqual(ticket.suggested_solution_ids, self.noise)
        index = self.env.execute_query(
            SQL(
                "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                "service_solution_search_vector_idx",
            )
        )
        self.assertIn("USING gin (search_vector)", index[0][0])

    # ------------------------------------------------------------------
    # Solved by this, create a solution
    # ------------------------------------------------------------------
    def test_solved_by_this_links_and_counts(self):
        ticket = self._create_ticket()
        feedback = self._create_feedback(name="Leaking machine")
        for record in (ticket, feedback):
            self.leak.with_user(self.service_user).with_context(
                solution_res_model=record._name, solution_res_id=record.id
            ).action_solved_this()
            self.assertEqual(record.solution_id, self.leak)
        self.assertEqual(self.leak.use_count, 2)
        ticket.solution_id = self.heat
        self.assertEqual((self.leak.use_count, self.heat.use_count), (1, 1))
        with self.assertRaisesRegex(AccessError, "Open a ticket or a feedback"):
            self.leak.with_context(
                solution_res_model="res.partner", solution_res_id=self.customer.id
            ).action_solved_this()

    def test_create_solution_drafts_from_the_record(self):
        feedback = self._create_feedback(
            name="Steam wand blocked",
            description="No steam comes out of the wand.",
            product_id=self.product.id,
        )
        feedback.resolution = "Soak the wand tip in hot water."
        action = feedback.with_user(self.service_user).action_create_solution()
        solution = self.env["service.solution"].browse(action["res_id"])
        self.assertEqual(action["res_model"], "service.solution")
        self.assertEqual(solution.state, "draft")
        self.assertEqual(solution.name, "Steam wand blocked")
        self.assertEqual(solution.problem, "No steam comes out of the wand.")
        self.assertIn("Soak the wand tip in hot water.", solution.resolution)
        self.assertEqual(solution.product_ids, self.product)
        self.assertEqual(solution.author_id, self.service_user)
        self.assertEqual(feedback.solution_id, solution)
        self.assertTrue(solution.history_ids, "the body is a wiki page revision")

        ticket = self._create_ticket(notes="<p>Tightened the tank valve.</p>")
        action = ticket.with_user(self.service_user).action_create_solution()
        solution = self.env["service.solution"].browse(action["res_id"])
        self.assertEqual(solution.name, "Machine leaks water")
        self.assertIn("water leaking under the coffee machine", solution.problem)
        self.assertIn("Tightened the tank valve.", solution.resolution)

    def test_service_users_draft_managers_publish(self):
        draft = (
            self.env["service.solution"]
            .with_user(self.service_user)
            .create({"name": "Pump is noisy", "resolution": "<p>Bleed it.</p>"})
        )
        draft.symptoms = "Humming"
        with self.assertRaisesRegex(AccessError, "Only Service Managers publish"):
            draft.action_publish()
        with self.assertRaises(AccessError):
            self.leak.with_user(self.service_user).symptoms = "changed"
        with self.assertRaises(AccessError):
            self.env["service.solution"].with_user(self.technician_user).create(
                {"name": "Tech article"}
            )
        draft.with_user(self.manager_user).action_publish()
        self.assertEqual(draft.state, "published")
        self.assertTrue(draft.published_date)
        self.assertNotIn(
            self.draft,
            self.env["service.solution"].with_user(self.technician_user).search([]),
        )

    # ------------------------------------------------------------------
    # Portal visibility and votes (model level)
    # ------------------------------------------------------------------
    def test_portal_user_finds_only_published_portal_articles(self):
        Solution = self.env["service.solution"].with_user(self.portal_user)
        self.assertEqual(Solution.search([]), self.leak | self.heat)
        self.assertEqual(Solution._portal_search("leaks water"), self.leak)
        self.assertFalse(Solution.search([("id", "=", self.noise.id)]))
        with self.assertRaises(AccessError):
            self.noise.with_user(self.portal_user).read(["name"])
        with self.assertRaises(AccessError):
            self.draft.with_user(self.portal_user).read(["name"])

    def test_votes_are_one_per_user_and_article(self):
        leak = self.leak.with_user(self.portal_user)
        leak._register_vote(True)
        leak._register_vote(True)
        leak._register_vote(False)
        self.leak.with_user(self.other_portal_user)._register_vote(True)
        self.assertEqual(len(self.leak.vote_ids), 2)
        self.assertEqual((self.leak.helpful_count, self.leak.not_helpful_count), (1, 1))
        self.assertEqual(self.leak.helpful_rate, 50.0)
        with self.assertRaises(AccessError):
            self.noise.with_user(self.portal_user)._register_vote(True)
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.UniqueViolation),
            self.cr.savepoint(),
        ):
            self.env["service.solution.vote"].create(
                {"solution_id": self.leak.id, "user_id": self.portal_user.id}
            )

    def test_resolution_report_compares_with_and_without(self):
        with_article = self._create_feedback(name="Leak", solution_id=self.leak.id)
        without = self._create_feedback(name="Other")
        for feedback in with_article | without:
            feedback.resolution = "Done"
            feedback.action_resolve()
        self.env.flush_all()
        Report = self.env["service.solution.report"]
        rows = Report.search([("id", "in", [-with_article.id, -without.id])])
        self.assertEqual(
            {row.with_solution: row.solution_id for row in rows},
            {"with": self.leak, "without": self.env["service.solution"]},
        )
        self.assertTrue(all(row.resolution_hours >= 0 for row in rows))


@tagged("post_install", "-at_install")
class TestServiceSolutionPortal(SolutionDataMixin, ServiceHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_solutions()

    def test_portal_search_and_article(self):
        self.authenticate("acme_portal", "acme_portal")
        listing = self.url_open("/my/solutions?search=water leaks")
        self.assertEqual(listing.status_code, 200)
        self.assertIn("Coffee machine leaks water", listing.text)
        self.assertNotIn("Grinder makes a loud noise", listing.text)
        everything = self.url_open("/my/solutions")
        self.assertIn("Coffee machine does not heat", everything.text)
        self.assertNotIn("Grinder makes a loud noise", everything.text)
        self.assertNotIn("Machine leaks water and coffee everywhere", everything.text)
        page = self.url_open(f"/my/solutions/{self.leak.id}")
        self.assertIn("Replace the gasket of the water tank.", page.text)
        self.assertIn("Did this help?", page.text)
        for hidden in (self.noise, self.draft):
            refused = self.url_open(f"/my/solutions/{hidden.id}")
            self.assertTrue(refused.url.endswith("/my/solutions"))
            self.assertNotIn(hidden.name, refused.text)

    def test_portal_vote_once(self):
        self.authenticate("acme_portal", "acme_portal")
        for helpful in ("1", "1", "0"):
            self.url_open(
                f"/my/solutions/{self.leak.id}/vote",
                data={"helpful": helpful, "csrf_token": Request.csrf_token(self)},
            )
        self.assertEqual(self.leak.vote_ids.user_id, self.portal_user)
        self.assertFalse(self.leak.vote_ids.helpful)
        self.url_open(
            f"/my/solutions/{self.noise.id}/vote",
            data={"helpful": "1", "csrf_token": Request.csrf_token(self)},
        )
        self.assertFalse(self.noise.vote_ids)

    def test_feedback_form_suggests_and_counts_deflection(self):
        self.authenticate("acme_portal", "acme_portal")
        form = self.url_open("/my/feedback/new?name=my machine leaks")
        self.assertIn("Coffee machine leaks water", form.text)
        self.assertIn(f"/my/solutions/{self.leak.id}?from_feedback=1", form.text)
        self.assertNotIn("Grinder makes a loud noise", form.text)
        response = self.url_open(
            "/my/solutions/suggest",
            data=json.dumps({"params": {"subject": "leaking water"}}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(
            [row["id"] for row in response.json()["result"]], [self.leak.id]
        )
        article = self.url_open(f"/my/solutions/{self.leak.id}?from_feedback=1")
        self.assertIn("This solved my problem", article.text)
        Feedback = self.env["customer.feedback"]
        before = Feedback.search_count([])
        for _attempt in range(2):
            solved = self.url_open(
                f"/my/solutions/{self.leak.id}/solved",
                data={"csrf_token": Request.csrf_token(self)},
            )
        self.assertIn("no need to send us feedback", solved.text)
        self.assertEqual(self.leak.deflection_count, 1, "one per customer")
        self.assertEqual(self.leak.helpful_count, 1)
        self.assertEqual(Feedback.search_count([]), before)
