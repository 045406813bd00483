# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Back up a database with its filestore, through Odoo's database manager.

    python3 -m scripts.backup --url http://localhost:8069 \\
        --master-password P --db DB --out FILE.zip

It posts to ``/web/database/backup`` (format ``zip``: ``dump.sql``, the
filestore and ``manifest.json``), which needs the server's master password
(``admin_passwd``) and the database manager enabled (``list_db``). The dump
streams to ``FILE.zip.part`` and is renamed once complete and checked.
Exit codes: 0 done, 1 the server refused, 3 the server could not be reached.
"""

import argparse
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import zipfile

CHUNK = 1 << 20


def backup(url, master_password, db, out, timeout=600):
    """Write the zip dump of ``db`` to ``out``; its size in bytes."""
    body = urllib.parse.urlencode(
        {"master_pwd": master_password, "name": db, "backup_format": "zip"}
    ).encode()
    request = urllib.request.Request(f"{url.rstrip('/')}/web/database/backup", body)
    part = f"{out}.part"
    with urllib.request.urlopen(request, timeout=timeout) as resp:
        kind = resp.headers.get("Content-Type", "")
        if "octet-stream" not in kind:
            # the manager's page with its error message
            text = resp.read().decode(errors="replace")
            raise RuntimeError(_error_of(text) or f"unexpected answer ({kind})")
        with open(part, "wb") as fh:
            while chunk := resp.read(CHUNK):
                fh.write(chunk)
    with zipfile.ZipFile(part) as archive:
        names = set(archive.namelist())
        if "dump.sql" not in names or "manifest.json" not in names:
            raise RuntimeError("the archive has no dump.sql or manifest.json")
        if archive.testzip() is not None:
            raise RuntimeError("the archive is corrupt")
    os.replace(part, out)
    return os.path.getsize(out)


def _error_of(page):
    import re

    found = re.search(r"Database \w+ error: ([^<]*)", page)
    return found.group(0).strip() if found else None


def main(argv=None):
    parser = argparse.ArgumentParser(prog="backup", description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--master-password", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)
    try:
        size = backup(args.url, args.master_password, args.db, args.out, args.timeout)
    except (urllib.error.URLError, OSError) as exc:
        sys.stderr.write(f"error: cannot reach {args.url}: {exc}\n")
        return 3
    except (RuntimeError, zipfile.BadZipFile) as exc:
        sys.stderr.write(f"error: backup of {args.db} refused: {exc}\n")
        return 1
    print(f"{args.db}: {size} bytes written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
