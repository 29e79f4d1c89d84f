"""
The operator's flows in a real browser against a real service (issue "Operators", item 8).

gunicorn runs as production does (DEBUG off, the static files collected and served by
WhiteNoise, Swagger UI on), on a database of its own: SQLite in the embedded mode, a scratch
PostgreSQL database and the suite's Redis when DATABASE_URL and REDIS_URL are set. The data
each flow needs is made beforehand through the services, in a Django process on the service's
database; one headless Chromium session (tests/core/browser/admin_flows.cjs) then goes through
every step, and the database's state is read afterwards the same way. Each test asserts one
step: what the pages showed, the database effects, that no request left the host or failed,
and that no console error occurred. Each step's screenshot is named in its assertion messages.

Skips with the reason only when Chromium, Node.js or npm is missing (tests/support/browser.py).
"""
from dataclasses import dataclass
from http import HTTPStatus
import json
from pathlib import Path
import secrets
from urllib.parse import urlsplit

from django.conf import settings
import pytest

from accounts.errors import Msg
from tests.support.browser import (
    ProductionService, failed_requests, playwright_package, production_service, requests_elsewhere, run_page_script,
)

SCRIPT = Path(__file__).with_name("browser") / "admin_flows.cjs"
STEPS = ["login", "partnerAppSecret", "illegalStatusMove", "phoneNumberUsername", "deactivateTwoUsers",
         "swaggerTryItOut"]
ADMIN_USERNAME = "operator"
APP_NAME = "Browser flow app"
PHONE_OWNER = {"username": "phone-owner", "phone": "13800138001"}
OTHER_USER = {"username": "second-user", "phone": "13800138002"}
HEALTH_PATH = "/api/v1/health"
REFUSED_USERNAME = {Msg.USERNAME_INVALID, Msg.USERNAME_TAKEN, Msg.PHONE_TAKEN, Msg.PHONE_IN_USE}
HTTP_REASONS = {status.value: status.phrase for status in HTTPStatus}


# --- In a Django process on the service's database (ProductionService.call) -----------------------

def seed(*, admin_password: str) -> dict:
    """The superuser, two users with phone numbers, and a COMPLETED intent (through the status machine)."""
    from django.contrib.admin.utils import quote
    from django.urls import reverse

    from accounts.models import User
    from procurement import services

    admin = User.objects.create_superuser(ADMIN_USERNAME, admin_password)
    # No password: they never log in, and each hash costs production's PBKDF2 rounds.
    users = [User.objects.create_user(u["username"], None, phone=u["phone"]) for u in (PHONE_OWNER, OTHER_USER)]
    app, _ = services.partner_app_create(name="Seeded app", actor="test")
    intent = services.intent_create(app=app, user_id="buyer-1", platform="JD", product_url="https://item.jd.com/1.html",
                                    title="Seeded intent", price="9.90")
    for status in ("PROCESSING", "COMPLETED"):
        intent = services.intent_update(app=app, intent_id=intent.id, changes={"status": status})
    return {
        "adminId": admin.pk,
        "userIds": [user.pk for user in users],
        "intentId": intent.id,
        # Quoted as the admin's own links are: its unquote reads "_5f" in an id like intent_5f… as an escape.
        "intentChangeUrl": reverse("admin:procurement_intent_change", args=[quote(intent.id)]),
    }


def state(*, intent_id: str, user_ids: list[int], revealed: list[str]) -> dict:
    """What the flows left in the database."""
    from accounts.models import StatusChangeBatch, User
    from core import secretbox
    from procurement.models import Intent, PartnerApp

    apps = PartnerApp.objects.filter(name=APP_NAME)
    return {
        "apps": [{"pk": app.pk, "secretShown": secretbox.decrypt(app.secret_encrypted) in revealed,
                  "secretStoredInClear": any(s in app.secret_encrypted for s in revealed)} for app in apps],
        "intentStatus": Intent.objects.get(pk=intent_id).status,
        "usernames": sorted(User.objects.values_list("username", flat=True)),
        "statuses": {str(pk): status for pk, status in User.objects.filter(pk__in=user_ids).values_list("pk", "status")},
        "batches": list(StatusChangeBatch.objects.values("id", "source", "status", "changed_count", "requested_count",
                                                         "actor_id")),
    }


# --- The run --------------------------------------------------------------------------------------

@dataclass
class Flows:
    service: ProductionService
    seeded: dict
    report: dict
    state: dict

    def step(self, name: str) -> "Step":
        return Step(name, self.report[name], self.service)


@dataclass
class Step:
    name: str
    entry: dict
    service: ProductionService

    @property
    def facts(self) -> dict:
        return self.entry["facts"]

    @property
    def where(self) -> str:
        """For assertion messages: which step, its screenshot and the page it ended on."""
        return f"step {self.name}: screenshot {self.entry['screenshot']} (page {self.entry.get('url')})"

    def assert_ran(self) -> None:
        """The step went through to its end (no selector or navigation timed out)."""
        assert self.entry["error"] is None, f"{self.where}\n{self.entry['error']}\n{self.service.log_errors()}"

    def assert_clean(self, expected_failures: set[tuple[str, int]] = frozenset()) -> None:
        """Every request of the step stayed on the host and succeeded (but `expected_failures`); no console error."""
        elsewhere = requests_elsewhere(self.entry["requests"], self.service.base)
        assert not elsewhere, f"{self.where}: requests to other hosts {elsewhere}"
        failed = failed_requests(self.entry["requests"], expected_failures)
        assert not failed, f"{self.where}: failed requests {failed} {self.service.log_errors()}"
        # Chromium logs each expected failure's answer too: those lines only are expected.
        logged = {f"Failed to load resource: the server responded with a status of {status} "
                  f"({HTTP_REASONS[status]}) ({self.service.base}{path})" for path, status in expected_failures}
        errors = [message for message in self.entry["consoleErrors"] if message not in logged]
        assert not errors, f"{self.where}: console errors {errors}"

    def requested(self, method: str, path: str) -> list[int]:
        """The statuses of this step's requests of `method` to `path`."""
        return [r.get("status") for r in self.entry["requests"]
                if r["method"] == method and urlsplit(r["url"]).path == path]


@pytest.fixture(scope="module")
def flows(tmp_path_factory) -> Flows:
    package = playwright_package()
    directory = tmp_path_factory.mktemp("admin_browser")
    screenshots = directory / "screenshots"
    screenshots.mkdir()
    admin_password = secrets.token_urlsafe(16)
    with production_service(directory, env={"ENABLE_SWAGGER": "true"}, database_url=settings.DATABASE_URL or None,
                            redis_url=settings.REDIS_URL or None,
                            prepare=(f"{__name__}:seed", {"admin_password": admin_password})) as service:
        seeded = service.prepared
        config = {
            "base": service.base, "screenshots": str(screenshots), "steps": STEPS,
            "admin": {"username": ADMIN_USERNAME, "password": admin_password},
            "appName": APP_NAME,
            "intent": {"changeUrl": seeded["intentChangeUrl"], "target": "SUBMITTED"},
            "newUser": {"username": PHONE_OWNER["phone"], "password": secrets.token_urlsafe(16)},
            "deactivate": seeded["userIds"],
            "swaggerPath": HEALTH_PATH,
        }
        report = run_page_script(SCRIPT, package, json.dumps(config), timeout=120)
        (directory / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
        revealed = report["partnerAppSecret"]["facts"].get("secrets") or []
        after = service.call(f"{__name__}:state", intent_id=seeded["intentId"], user_ids=seeded["userIds"],
                             revealed=revealed)
        yield Flows(service=service, seeded=seeded, report=report, state=after)


# --- The steps ------------------------------------------------------------------------------------
# One test runs them all (below): the browser session is made once, and xdist would share a
# module's tests out between workers, each making its own.

CHECKS = {}


def check_of(name: str):
    """Register the decorated function as the checks of step `name`."""
    def register(function):
        CHECKS[name] = function
        return function
    return register


@check_of("login")
def the_operator_logs_into_the_admin(step: Step, flows: Flows) -> None:
    step.assert_ran()
    assert step.facts["loginStatus"] == 200, step.where
    assert (step.facts["status"], step.facts["path"]) == (200, "/admin/"), step.where
    assert ADMIN_USERNAME in (step.facts["userTools"] or ""), step.where
    assert step.requested("POST", "/admin/login/") == [302], step.where
    step.assert_clean()


@check_of("partnerAppSecret")
def a_new_partner_apps_secret_is_shown_once_and_kept_nowhere_in_clear(step: Step, flows: Flows) -> None:
    step.assert_ran()
    facts = step.facts
    reveal_path = facts["revealPath"]
    assert reveal_path.startswith("/admin/procurement/partnerapp/secret/"), step.where
    assert facts["revealStatus"] == 200, step.where
    assert "no-store" in (facts["revealCacheControl"] or ""), step.where
    [secret] = facts["secrets"]
    assert len(secret) == 64 and int(secret, 16) >= 0, step.where  # 256 random bits, hex
    # The secret shown is the app's real one, stored encrypted only.
    assert flows.state["apps"] == [{"pk": flows.state["apps"][0]["pk"], "secretShown": True,
                                    "secretStoredInClear": False}], step.where
    assert facts["appLink"] == f"/admin/procurement/partnerapp/{flows.state['apps'][0]['pk']}/change/", step.where
    # Once only: the reload shows nothing.
    assert facts["reloadStatus"] == 410 and facts["secretsAfterReload"] == [], step.where
    # In no cookie (HttpOnly ones included), no web storage, no list or form page.
    assert facts["cookies"], step.where  # the session and CSRF cookies are there to look into
    assert not [c["name"] for c in facts["cookies"] if secret in c["value"]], step.where
    assert secret not in facts["storage"], step.where
    assert facts["changelistStatus"] == 200 and any(APP_NAME in row for row in facts["changelistRows"]), step.where
    assert secret not in facts["changelistHtml"], step.where
    assert facts["changeStatus"] == 200 and APP_NAME in facts["changeHtml"], step.where
    assert secret not in facts["changeHtml"], step.where
    # The reload of the reveal page answered 410 Gone: that one failure is the point.
    step.assert_clean(expected_failures={(reveal_path, 410)})


@check_of("illegalStatusMove")
def an_illegal_status_move_is_a_form_error_and_changes_nothing(step: Step, flows: Flows) -> None:
    step.assert_ran()
    facts = step.facts
    change_url = flows.seeded["intentChangeUrl"]
    assert facts["openStatus"] == 200 and facts["statusBefore"] == "COMPLETED", step.where
    assert "SUBMITTED" in facts["statusOptions"], step.where  # offered, so that the refusal is the service's
    # The form comes back (200, same page, no redirect) with the refusal on it, and nothing saved.
    assert (facts["saveStatus"], facts["path"]) == (200, change_url), step.where
    assert facts["errornote"], step.where
    # The service's refusal (the API's 40902 reason) on the status field, naming both statuses.
    assert [e for e in facts["statusErrors"] if "COMPLETED" in e and "SUBMITTED" in e], step.where
    assert facts["successes"] == [], step.where
    assert flows.state["intentStatus"] == "COMPLETED", step.where
    step.assert_clean()


@check_of("phoneNumberUsername")
def a_username_that_is_another_users_phone_number_is_refused(step: Step, flows: Flows) -> None:
    step.assert_ran()
    facts = step.facts
    assert facts["openStatus"] == 200, step.where
    assert (facts["saveStatus"], facts["path"]) == (200, "/admin/accounts/user/add/"), step.where
    assert facts["errornote"], step.where
    # On the username, in the API's words: phone-shaped usernames are refused (a login that takes
    # a username, an email or a phone in one box could not tell them apart), taken ones too.
    assert facts["usernameErrors"] and set(facts["usernameErrors"]) <= REFUSED_USERNAME, step.where
    assert facts["successes"] == [], step.where
    assert PHONE_OWNER["phone"] not in flows.state["usernames"], step.where
    assert flows.state["usernames"] == sorted([ADMIN_USERNAME, PHONE_OWNER["username"], OTHER_USER["username"]]), \
        step.where
    step.assert_clean()


@check_of("deactivateTwoUsers")
def deactivating_two_users_shows_the_message_and_the_batch_record(step: Step, flows: Flows) -> None:
    step.assert_ran()
    facts = step.facts
    assert facts["actionStatus"] == 200 and facts["path"] == "/admin/accounts/user/", step.where
    assert facts["errors"] == [] and facts["messageErrors"] == [] and facts["warnings"] == [], step.where
    [success] = facts["successes"]
    # Both users inactive; one batch, by this operator, from the admin, of the two.
    assert flows.state["statuses"] == {str(pk): "inactive" for pk in flows.seeded["userIds"]}, step.where
    [batch] = flows.state["batches"]
    assert (batch["source"], batch["status"], batch["changed_count"], batch["requested_count"], batch["actor_id"]) \
        == ("admin", "inactive", 2, 2, flows.seeded["adminId"]), step.where
    # The message counts the two and names the record.
    assert "2" in success and f"#{batch['id']}" in success, step.where
    # The admin shows that record: one row in the list, and its page.
    assert facts["batchListStatus"] == 200 and len(facts["batchRows"]) == 1, step.where
    assert facts["batchDetailStatus"] == 200, step.where
    assert facts["batchDetailPath"] == f"/admin/accounts/statuschangebatch/{batch['id']}/change/", step.where
    fields = facts["batchFields"]
    assert (fields.get("changed_count"), fields.get("requested_count")) == ("2", "2"), (step.where, fields)
    assert ADMIN_USERNAME in fields.get("actor", "") + fields.get("actor_label", ""), (step.where, fields)
    step.assert_clean()


@check_of("swaggerTryItOut")
def swagger_ui_runs_try_it_out_on_health(step: Step, flows: Flows) -> None:
    step.assert_ran()
    facts = step.facts
    assert facts["openStatus"] == 200, step.where
    assert facts["requestUrl"] == flows.service.base + HEALTH_PATH, step.where
    assert facts["responseStatus"] == "200", step.where
    body = json.loads(facts["responseBody"])
    assert (body["code"], body["data"]["status"]) == (0, "healthy"), step.where
    assert step.requested("GET", HEALTH_PATH) == [200], step.where
    assert step.requested("GET", "/api/schema/") == [200], step.where
    step.assert_clean()


def test_the_operators_flows_in_one_browser_session(flows):
    """Each step's checks, all of them run: the failures of every step that failed, together."""
    failures = []
    for name in STEPS:
        step = flows.step(name)
        try:
            CHECKS[name](step, flows)
        except AssertionError as error:
            failures.append(f"{CHECKS[name].__name__}: {error}")
        except Exception as error:  # a fact missing or of another shape than expected
            failures.append(f"{CHECKS[name].__name__}: {step.where}: {type(error).__name__}: {error}")
    assert not failures, "\n\n".join(failures)
    assert flows.report["_between"] == {"requests": [], "consoleErrors": []}
