# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Restore a zip dump (``scripts.backup``) into a new database.

    python3 -m scripts.restore --url http://localhost:8069 \\
        --master-password P --file FILE.zip --db NEWDB [--copy]

It posts the file to ``/web/database/restore``, Odoo's own restore: the SQL
dump and the filestore. ``--copy`` gives the restored database a new UUID (a
copy that runs beside the original); by default it keeps it (a move). The
database must not exist yet. Exit codes: 0 restored, 1 refused, 3 the server
could not be reached.
"""

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid


def _multipart(fields, file_field, path):
    boundary = uuid.uuid4().hex
    head = b""
    for name, value in fields.items():
        head += (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{os.path.basename(path)}"\r\n'
        "Content-Type: application/zip\r\n\r\n"
    ).encode()
    with open(path, "rb") as fh:
        body = head + fh.read() + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def database_exists(url, db, timeout=30):
    """True when the server lists ``db`` (``/web/database/list``)."""
    request = urllib.request.Request(
        f"{url.rstrip('/')}/web/database/list",
        json.dumps({"jsonrpc": "2.0", "method": "call", "params": {}}).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as resp:
        return db in (json.loads(resp.read()).get("result") or [])


def restore(url, master_password, path, db, copy=False, timeout=900):
    body, kind = _multipart(
        {"master_pwd": master_password, "name": db, "copy": str(bool(copy)).lower()},
        "backup_file",
        path,
    )
    request = urllib.request.Request(
        f"{url.rstrip('/')}/web/database/restore", body, {"Content-Type": kind}
    )
    with urllib.request.urlopen(request, timeout=timeout) as resp:
        page = resp.read().decode(errors="replace")
        final = resp.geturl()
    error = re.search(r"Database restore error: ([^<]*)", page)
    if error:
        raise RuntimeError(error.group(0).strip())
    if "/web/database/manager" not in final and "o_database_list" not in page:
        raise RuntimeError(f"unexpected answer from {final}")


def drop(url, master_password, db, timeout=120):
    """Drop ``db`` and its filestore (``/web/database/drop``)."""
    body = urllib.parse.urlencode({"master_pwd": master_password, "name": db})
    request = urllib.request.Request(
        f"{url.rstrip('/')}/web/database/drop", body.encode()
    )
    with urllib.request.urlopen(request, timeout=timeout) as resp:
        page = resp.read().decode(errors="replace")
    error = re.search(r"Database deletion error: ([^<]*)", page)
    if error:
        raise RuntimeError(error.group(0).strip())


def main(argv=None):
    parser = argparse.ArgumentParser(prog="restore", description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--master-password", required=True)
    parser.add_argument("--file", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument(
        "--copy", action="store_true", help="give the new database a new UUID"
    )
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args(argv)
    if not os.path.isfile(args.file):
        sys.stderr.write(f"error: no file {args.file}\n")
        return 1
    try:
        restore(
            args.url, args.master_password, args.file, args.db, args.copy, args.timeout
        )
    except (urllib.error.URLError, OSError) as exc:
        sys.stderr.write(f"error: cannot reach {args.url}: {exc}\n")
        return 3
    except RuntimeError as exc:
        sys.stderr.write(f"error: restore into {args.db} refused: {exc}\n")
        return 1
    print(f"{args.file} restored into {args.db}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
