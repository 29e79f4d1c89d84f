"""
manage.py set_user_status: activate or deactivate users in batches.

    manage.py set_user_status inactive --ids 12 15 19
    manage.py set_user_status inactive --usernames alice bob
    manage.py set_user_status active --ids-file ids.txt --dry-run
    manage.py set_user_status inactive --usernames-file names.txt --actor ops-jane

The whole input is checked first: a malformed id or any unknown id or username
exits non-zero with nothing changed. Users are then changed 1,000 at a time by
the same service as the API and the admin actions; each batch is recorded.

The command is an operator's tool run with shell access, so it acts with a
superuser's authority (staff and superuser accounts included); `--actor` is
recorded with each batch and its own account is still left alone.
"""
import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import StatusChangeBatch, User
from accounts.selectors import existing_user_ids, user_ids_for_usernames
from accounts.constants import BATCH_MAX_USERS
from accounts.services import user_batch_set_status
from core.exceptions import ServiceError

_SHOWN = 20  # how many bad values an error message lists


def _read_values(path: str) -> list[str]:
    """Values from a file: whitespace or comma separated, `#` starts a comment."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {path}: {exc}")
    values = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        values.extend(part for part in line.replace(",", " ").split() if part)
    return values


def _listed(values) -> str:
    values = list(values)
    more = f" (and {len(values) - _SHOWN} more)" if len(values) > _SHOWN else ""
    return ", ".join(str(v) for v in values[:_SHOWN]) + more


class Command(BaseCommand):
    help = "Set users' status (active/inactive) in batches, by ids or usernames, from arguments or files."

    def add_arguments(self, parser):
        parser.add_argument("status", choices=User.Status.values)
        parser.add_argument("--ids", nargs="+", default=[], metavar="ID", help="user ids (also comma separated)")
        parser.add_argument("--usernames", nargs="+", default=[], metavar="NAME")
        parser.add_argument("--ids-file", help="a file of user ids")
        parser.add_argument("--usernames-file", help="a file of usernames")
        parser.add_argument("--dry-run", action="store_true", help="report what would change; change nothing")
        parser.add_argument("--actor", help="username of the operator, recorded with each batch (the command acts "
                                               "as a superuser whoever is named)")

    def handle(self, *args, **options):
        raw_ids = [part for value in options["ids"] for part in value.split(",") if part.strip()]
        if options["ids_file"]:
            raw_ids += _read_values(options["ids_file"])
        usernames = [name for value in options["usernames"] for name in value.split(",") if name.strip()]
        if options["usernames_file"]:
            usernames += _read_values(options["usernames_file"])
        if not raw_ids and not usernames:
            raise CommandError("no users given: use --ids, --usernames, --ids-file or --usernames-file")

        bad = [value for value in raw_ids if not value.strip().isdigit() or not 1 <= int(value) < 2**63]
        if bad:
            raise CommandError(f"not a user id: {_listed(bad)}")
        ids = [int(value) for value in raw_ids]
        missing_ids = sorted(set(ids) - existing_user_ids(user_ids=list(dict.fromkeys(ids))))
        found, missing_names = user_ids_for_usernames(usernames=[name.strip() for name in usernames])
        if missing_ids or missing_names:
            problems = []
            if missing_ids:
                problems.append(f"no user with id {_listed(missing_ids)}")
            if missing_names:
                problems.append(f"no user named {_listed(missing_names)}")
            raise CommandError("; ".join(problems) + " (nothing changed)")

        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"no user named {options['actor']} (--actor)")
        label = f"{actor.username if actor else 'cli'} via manage.py ({getpass.getuser()})"
        targets = list(dict.fromkeys(ids + list(found.values())))
        dry_run = options["dry_run"]
        status = options["status"]
        batches = [targets[start:start + BATCH_MAX_USERS] for start in range(0, len(targets), BATCH_MAX_USERS)]
        changed = unchanged = skipped = 0
        for number, chunk in enumerate(batches, start=1):
            try:
                # operator=True: whoever runs manage.py on the host can already write the
                # database, so the command acts as a superuser; --actor only names them.
                result = user_batch_set_status(user_ids=chunk, status=status, source=StatusChangeBatch.Source.COMMAND,
                                               actor=actor, actor_label=label, dry_run=dry_run, operator=True)
            except ServiceError as exc:
                raise CommandError(str(exc.message))
            changed += result.changed
            unchanged += len(result.unchanged_ids)
            skipped += int(result.skipped_self)
            verb = "would change" if dry_run else "changed"
            self.stdout.write(f"batch {number}/{len(batches)}: {len(chunk)} users, {verb} {result.changed}")
        prefix = "DRY RUN: " if dry_run else ""
        self.stdout.write(self.style.SUCCESS(
            f"{prefix}{len(targets)} users requested, {changed} {'would be ' if dry_run else ''}set to {status}, "
            f"{unchanged} already {status}, {skipped} skipped (the actor)"
        ))
