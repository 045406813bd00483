# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""crm_extension command line, over XML-RPC/JSON-RPC with odoorpc.

    python3 -m scripts.cli feedback import FILE.csv [--dry-run] [--batch-size N]
    python3 -m scripts.cli feedback export [--output FILE] [--state new]
    python3 -m scripts.cli service request --email E --description TEXT ...
    python3 -m scripts.cli kpi export --segment A [--format csv|json]

Connection settings: see ``scripts.client`` (flags or CRM_EXT_* variables).

Exit codes: 0 success; 1 the server refused some rows (each is reported with
its row number and field); 2 bad usage or settings; 3 the server could not
be reached or the login failed.
"""

import argparse
import contextlib
import csv
import json
import sys

import odoorpc

from scripts import client as client_mod

EXIT_OK, EXIT_ROWS, EXIT_USAGE, EXIT_CONNECTION = 0, 1, 2, 3
FEEDBACK_EXPORT_FIELDS = (
    "id",
    "external_ref",
    "name",
    "partner_id",
    "feedback_type",
    "channel",
    "priority",
    "state",
    "create_date",
)
KPI_FIELDS = (
    "id",
    "name",
    "ref",
    "customer_segment",
    "churn_risk",
    "revenue_12m",
    "lifetime_value",
    "satisfaction_avg",
    "open_ticket_count",
    "last_interaction_date",
)


class UsageError(Exception):
    pass


def progress(done, total, stream=sys.stderr, width=30):
    """A plain progress bar on stderr (stdout stays clean for data)."""
    filled = int(width * done / total) if total else width
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        stream.write("\n")
    stream.flush()


def rpc_message(exc):
    """The server's own message of an odoorpc error (UserError, ValidationError...)."""
    info = exc.info if isinstance(getattr(exc, "info", None), dict) else {}
    return (info.get("data") or {}).get("message") or str(exc)


def feedback_fields(odoo):
    """The columns a feedback CSV may have: the fields ``api_submit`` takes,
    as the server lists them (``customer.feedback.api_fields``)."""
    return client_mod.call(odoo.env["customer.feedback"].api_fields, idempotent=True)


def read_feedback_csv(path, allowed):
    """Rows of a feedback CSV as vals dicts, with local checks.

    ``partner_id`` may be a database id or ``email:someone@example.com``;
    columns other than the ``allowed`` fields are refused so typos are not
    lost."""
    try:
        fh = open(path, newline="", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc
    with fh:
        reader = csv.DictReader(fh)
        unknown = set(reader.fieldnames or ()) - set(allowed)
        if unknown:
            raise UsageError(
                f"{path}: unknown column(s) {', '.join(sorted(unknown))}; "
                f"allowed: {', '.join(allowed)}"
            )
        if "external_ref" not in (reader.fieldnames or ()):
            raise UsageError(f"{path}: the external_ref column is required")
        rows = []
        for number, row in enumerate(reader, start=2):
            vals = {key: value for key, value in row.items() if value not in (None, "")}
            if not vals.get("external_ref"):
                raise UsageError(f"{path}, line {number}: external_ref is empty")
            partner = vals.get("partner_id")
            if partner and partner.isdigit():
                vals["partner_id"] = int(partner)
            rows.append(vals)
    return rows


def resolve_partners(odoo, rows):
    """Replace ``email:x`` partner references by ids, in one search."""
    emails = {
        row["partner_id"][6:].strip().lower()
        for row in rows
        if isinstance(row.get("partner_id"), str)
        and row["partner_id"].startswith("email:")
    }
    if not emails:
        return rows
    found = odoo.env["res.partner"].search_read(
        [("email_normalized", "in", sorted(emails))], ["email_normalized"]
    )
    by_email = {rec["email_normalized"]: rec["id"] for rec in found}
    for row in rows:
        ref = row.get("partner_id")
        if isinstance(ref, str) and ref.startswith("email:"):
            email = ref[6:].strip().lower()
            if email not in by_email:
                raise UsageError(
                    f"{row['external_ref']}: no customer with email {email}"
                )
            row["partner_id"] = by_email[email]
    return rows


def cmd_feedback_import(odoo, args, out):
    rows = resolve_partners(odoo, read_feedback_csv(args.file, feedback_fields(odoo)))
    if args.dry_run:
        out.write(f"dry run: {len(rows)} row(s) checked, nothing sent\n")
        return EXIT_OK
    Feedback = odoo.env["customer.feedback"]
    done, failed = 0, 0
    for start in range(0, len(rows), args.batch_size):
        batch = rows[start : start + args.batch_size]
        try:
            # every row has its external_ref: a retry updates, never duplicates
            client_mod.call(Feedback.api_submit, batch, idempotent=True)
        except odoorpc.error.RPCError as exc:
            failed += len(batch)
            message = rpc_message(exc)
            sys.stderr.write(f"\nrows {start + 1}-{start + len(batch)}: {message}\n")
        done += len(batch)
        progress(done, len(rows))
    out.write(f"{len(rows) - failed} row(s) imported, {failed} refused\n")
    return EXIT_ROWS if failed else EXIT_OK


def cmd_feedback_export(odoo, args, out):
    domain = [("state", "=", args.state)] if args.state else []
    records = client_mod.call(
        odoo.env["customer.feedback"].search_read,
        domain,
        list(FEEDBACK_EXPORT_FIELDS),
        order="id",
        idempotent=True,
    )
    writer = csv.DictWriter(out, fieldnames=FEEDBACK_EXPORT_FIELDS)
    writer.writeheader()
    for rec in records:
        rec["partner_id"] = rec["partner_id"][0] if rec["partner_id"] else ""
        writer.writerow({key: rec.get(key, "") for key in FEEDBACK_EXPORT_FIELDS})
    return EXIT_OK


def cmd_service_request(odoo, args, out):
    vals = {
        key: value
        for key, value in (
            ("partner_ref", args.partner_ref),
            ("email", args.email),
            ("serial", args.serial),
            ("description", args.description),
            ("service_type", args.service_type),
            ("external_ref", args.external_ref),
        )
        if value
    }
    # with an external reference a retry returns the same order; without one
    # a lost answer cannot be told from a lost request: sent once
    result = client_mod.call(
        odoo.env["service.order"].api_request,
        vals,
        idempotent=bool(vals.get("external_ref")),
    )
    out.write(json.dumps(result, sort_keys=True) + "\n")
    return EXIT_OK


def cmd_kpi_export(odoo, args, out):
    domain = [("is_company", "=", True), ("customer_segment", "!=", False)]
    if args.segment:
        domain.append(("customer_segment", "=", args.segment))
    records = client_mod.call(
        odoo.env["res.partner"].search_read,
        domain,
        list(KPI_FIELDS),
        order="id",
        idempotent=True,
    )
    if args.format == "json":
        json.dump(records, out, indent=2, sort_keys=True, default=str)
        out.write("\n")
        return EXIT_OK
    writer = csv.DictWriter(out, fieldnames=KPI_FIELDS)
    writer.writeheader()
    for rec in records:
        writer.writerow(
            {
                key: rec.get(key) if rec.get(key) is not False else ""
                for key in KPI_FIELDS
            }
        )
    return EXIT_OK


def build_parser():
    parser = argparse.ArgumentParser(
        prog="crm-extension", description=__doc__.split("\n")[0]
    )
    client_mod.add_connection_arguments(parser)
    sub = parser.add_subparsers(dest="area", required=True)

    feedback = sub.add_parser("feedback", help="customer feedback")
    fsub = feedback.add_subparsers(dest="action", required=True)
    imp = fsub.add_parser("import", help="idempotent upsert by external_ref")
    imp.add_argument("file")
    imp.add_argument(
        "--dry-run", action="store_true", help="check the file, send nothing"
    )
    imp.add_argument("--batch-size", type=int, default=200)
    imp.set_defaults(func=cmd_feedback_import)
    exp = fsub.add_parser("export", help="feedback as CSV")
    exp.add_argument("--state")
    exp.set_defaults(func=cmd_feedback_export)

    service = sub.add_parser("service", help="service orders")
    ssub = service.add_subparsers(dest="action", required=True)
    req = ssub.add_parser("request", help="request a service from an external system")
    req.add_argument("--partner-ref", help="customer reference")
    req.add_argument("--email", help="customer email")
    req.add_argument("--serial", help="serial number of the customer's unit")
    req.add_argument("--description", required=True)
    req.add_argument("--service-type", default="repair")
    req.add_argument("--external-ref", help="your key: a retry never duplicates")
    req.set_defaults(func=cmd_service_request)

    kpi = sub.add_parser("kpi", help="customer figures")
    ksub = kpi.add_subparsers(dest="action", required=True)
    kexp = ksub.add_parser("export", help="customer KPIs as CSV or JSON")
    kexp.add_argument("--segment", choices=["A", "B", "C"])
    kexp.add_argument("--format", choices=["csv", "json"], default="csv")
    kexp.set_defaults(func=cmd_kpi_export)

    for leaf in (imp, exp, kexp, req):
        leaf.add_argument("--output", "-o", help="write to this file instead of stdout")
    return parser


def main(argv=None, stdout=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "batch_size", 1) < 1:
        parser.error("--batch-size must be at least 1")
    try:
        config = client_mod.ClientConfig.from_sources(args)
    except client_mod.ConfigError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_USAGE
    try:
        odoo = client_mod.connect(config)
    except (odoorpc.error.RPCError, OSError, ValueError) as exc:
        sys.stderr.write(
            f"error: cannot connect to {config.host}:{config.port}: {exc}\n"
        )
        return EXIT_CONNECTION
    out_path = getattr(args, "output", None)
    try:
        target = (
            open(out_path, "w", newline="", encoding="utf-8")  # noqa: SIM115
            if out_path
            else contextlib.nullcontext(stdout or sys.stdout)
        )
        with target as out:
            return args.func(odoo, args, out)
    except UsageError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
