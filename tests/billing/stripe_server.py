"""A local stand-in for the part of Stripe's API that FitnessCRM uses, for tests with no network.

It listens on 127.0.0.1 on a free port, reads the form-encoded bodies the SDK sends
(`metadata[invoice_id]=7`, `line_items[0][price_data][currency]=gbp`), answers with
objects shaped like Stripe's, replays the stored answer for a repeated Idempotency-Key
as Stripe does, and records every request so tests can check the keys. Methods named
like Stripe's dashboard (`complete_checkout`, `refund_in_dashboard`) play the client
and the business owner on Stripe's side; `signed_event` signs a webhook event exactly
as Stripe does (`t=<time>,v1=<HMAC-SHA256 of "<time>.<body>">`).
"""

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

DECLINED_CARD = "pm_card_chargeDeclined"


def parse_form(body: str) -> dict:
    """`a[b][0][c]=v` pairs into nested dicts and lists, as Stripe reads them."""
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(node):
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_listify(node[key]) for key in sorted(node, key=int)]
    return {key: _listify(value) for key, value in node.items()}


@dataclass
class Recorded:
    method: str
    path: str
    params: dict
    idempotency_key: str | None


@dataclass
class FakeStripe:
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    objects: dict[str, dict] = field(default_factory=dict)
    # Intent ids whose next off-session confirmation is declined, or every charge.
    decline_all: bool = False
    refunds_pending: bool = False
    refuse_refunds: bool = False
    _answers: dict[str, tuple[int, dict]] = field(default_factory=dict)
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- the server -------------------------------------------------------------------

    def start(self) -> "FakeStripe":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, method: str):
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else url.query
                key = self.headers.get("Idempotency-Key") if method == "POST" else None
                status, payload = fake.handle(method, url.path, parse_form(body), key)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{next(fake._counter)}")
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

            def do_DELETE(self):
                self._answer("DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- what tests look at -------------------------------------------------------------

    def posts(self, prefix: str = "/v1/") -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path.startswith(prefix)]

    def of(self, kind: str) -> list[dict]:
        return [obj for obj in self.objects.values() if obj["object"] == kind]

    # --- the API --------------------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        return f"{prefix}_test{next(self._counter):06d}"

    def handle(self, method: str, path: str, params: dict, key: str | None) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(Recorded(method, path, params, key))
            if key is not None and key in self._answers:
                return self._answers[key]
            status, payload = self._route(method, path, params)
            if payload.get("object") == "list":
                payload = {**payload, "data": [public(row) for row in payload["data"]]}
            answer = (status, public(payload))
            if key is not None and answer[0] < 500:
                self._answers[key] = answer
            return answer

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")[1:]  # without "v1"
        if parts[:2] == ["checkout", "sessions"]:
            parts = ["checkout_sessions", *parts[2:]]
        collection = parts[0]
        kinds = {
            "customers": "customer",
            "checkout_sessions": "checkout.session",
            "payment_intents": "payment_intent",
            "payment_methods": "payment_method",
            "setup_intents": "setup_intent",
            "refunds": "refund",
        }
        if collection not in kinds:
            return _error(404, "invalid_request_error", f"Unrecognized request URL ({path}).")
        kind = kinds[collection]
        if len(parts) == 2 and method == "GET":
            found = self.objects.get(parts[1])
            if found is None or found["object"] != kind:
                return _error(404, "invalid_request_error", f"No such {kind}: '{parts[1]}'")
            return 200, found
        if len(parts) == 1 and method == "GET":
            return 200, self._list(kind, path, params)
        if len(parts) == 1 and method == "POST":
            create = getattr(self, f"_create_{collection}", None)
            if create is not None:
                return create(params)
        return _error(404, "invalid_request_error", f"Unrecognized request URL ({path}).")

    def _list(self, kind: str, path: str, params: dict) -> dict:
        rows = [o for o in self.objects.values() if o["object"] == kind]
        gte = (params.get("created") or {}).get("gte")
        if gte:
            rows = [o for o in rows if o["created"] >= int(gte)]
        if params.get("payment_intent"):
            rows = [o for o in rows if o.get("payment_intent") == params["payment_intent"]]
        rows.sort(key=lambda o: (o["created"], o["id"]), reverse=True)
        return {"object": "list", "data": rows, "has_more": False, "url": path}

    def _store(self, obj: dict) -> dict:
        obj.setdefault("created", int(time.time()))
        obj.setdefault("livemode", False)
        self.objects[obj["id"]] = obj
        return obj

    def _create_customers(self, params: dict) -> tuple[int, dict]:
        return 200, self._store(
            {
                "id": self._id("cus"),
                "object": "customer",
                "email": params.get("email"),
                "name": params.get("name"),
                "metadata": params.get("metadata", {}),
            }
        )

    def _create_checkout_sessions(self, params: dict) -> tuple[int, dict]:
        for required in ("mode", "success_url", "cancel_url"):
            if not params.get(required):
                return _error(400, "invalid_request_error", f"Missing required param: {required}.")
        session_id = self._id("cs")
        amount = sum(
            int(item["price_data"]["unit_amount"]) * int(item.get("quantity", 1))
            for item in params.get("line_items", [])
        )
        currency = params["line_items"][0]["price_data"]["currency"] if amount else None
        return 200, self._store(
            {
                "id": session_id,
                "object": "checkout.session",
                "mode": params["mode"],
                "status": "open",
                "payment_status": "unpaid",
                "customer": params.get("customer"),
                "client_reference_id": params.get("client_reference_id"),
                "amount_total": amount or None,
                "currency": currency,
                "metadata": params.get("metadata", {}),
                "payment_intent": None,
                "setup_intent": None,
                "url": f"https://checkout.stripe.test/c/pay/{session_id}",
                "success_url": params["success_url"],
                "cancel_url": params["cancel_url"],
                "_intent_data": params.get("payment_intent_data", {}),
                "_setup_data": params.get("setup_intent_data", {}),
            }
        )

    def _create_payment_intents(self, params: dict) -> tuple[int, dict]:
        method = self.objects.get(params.get("payment_method") or "")
        intent = self._store(
            {
                "id": self._id("pi"),
                "object": "payment_intent",
                "amount": int(params["amount"]),
                "amount_received": 0,
                "currency": params["currency"],
                "customer": params.get("customer"),
                "payment_method": params.get("payment_method"),
                "description": params.get("description"),
                "metadata": params.get("metadata", {}),
                "status": "requires_confirmation",
                "latest_charge": None,
                "last_payment_error": None,
            }
        )
        if params.get("confirm") != "true":
            return 200, intent
        if method is None or method.get("_declines") or self.decline_all:
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "insufficient_funds",
                "message": "Your card has insufficient funds.",
            }
            error = {**intent["last_payment_error"], "payment_intent": intent}
            return 402, {"error": error}
        self._succeed(intent)
        return 200, intent

    def _succeed(self, intent: dict) -> None:
        intent["status"] = "succeeded"
        intent["amount_received"] = intent["amount"]
        intent["latest_charge"] = self._id("ch")
        intent["last_payment_error"] = None

    def _create_refunds(self, params: dict) -> tuple[int, dict]:
        intent = self.objects.get(params.get("payment_intent") or "")
        if intent is None or intent.get("status") != "succeeded":
            return _error(400, "invalid_request_error", "This PaymentIntent cannot be refunded.")
        if self.refuse_refunds:
            return _error(400, "invalid_request_error", "Charge has been disputed.")
        done = sum(
            r["amount"]
            for r in self.of("refund")
            if r["payment_intent"] == intent["id"] and r["status"] != "failed"
        )
        amount = int(params.get("amount") or intent["amount_received"] - done)
        if amount <= 0 or amount + done > intent["amount_received"]:
            return _error(400, "invalid_request_error", "Refund amount is greater than unrefunded.")
        return 200, self._store(
            {
                "id": self._id("re"),
                "object": "refund",
                "amount": amount,
                "currency": intent["currency"],
                "payment_intent": intent["id"],
                "charge": intent["latest_charge"],
                "status": "pending" if self.refunds_pending else "succeeded",
                "metadata": params.get("metadata", {}),
            }
        )

    # --- Stripe's side: the client on the hosted page, the owner in the dashboard ----------

    def add_card(self, *, brand="visa", last4="4242", declines=False) -> dict:
        with self._lock:
            return self._store(
                {
                    "id": DECLINED_CARD if declines else self._id("pm"),
                    "object": "payment_method",
                    "type": "card",
                    "card": {
                        "brand": brand,
                        "last4": last4,
                        "exp_month": 12,
                        "exp_year": 2030,
                        "funding": "credit",
                    },
                    "_declines": declines,
                }
            )

    def complete_checkout(self, session_id: str, *, card: dict | None = None) -> dict:
        """The client typed a card on the hosted page and it went through."""
        card = card or self.add_card()
        with self._lock:
            session = self.objects[session_id]
            if session["mode"] == "payment":
                intent = self._store(
                    {
                        "id": self._id("pi"),
                        "object": "payment_intent",
                        "amount": session["amount_total"],
                        "amount_received": 0,
                        "currency": session["currency"],
                        "customer": session["customer"],
                        "payment_method": card["id"],
                        "metadata": session["_intent_data"].get("metadata", {}),
                        "status": "processing",
                        "latest_charge": None,
                        "last_payment_error": None,
                    }
                )
                self._succeed(intent)
                session["payment_intent"] = intent["id"]
                session["payment_status"] = "paid"
            else:
                setup = self._store(
                    {
                        "id": self._id("seti"),
                        "object": "setup_intent",
                        "customer": session["customer"],
                        "payment_method": card["id"],
                        "status": "succeeded",
                        "usage": "off_session",
                        "metadata": session["_setup_data"].get("metadata", {}),
                    }
                )
                session["setup_intent"] = setup["id"]
                session["payment_status"] = "no_payment_required"
            session["status"] = "complete"
            return public(session)

    def refund_in_dashboard(self, intent_id: str, amount: int) -> dict:
        with self._lock:
            intent = self.objects[intent_id]
            return self._store(
                {
                    "id": self._id("re"),
                    "object": "refund",
                    "amount": amount,
                    "currency": intent["currency"],
                    "payment_intent": intent_id,
                    "charge": intent["latest_charge"],
                    "status": "succeeded",
                    "metadata": {},
                }
            )

    def charge_of(self, intent_id: str) -> dict:
        """The charge object of a succeeded intent, as charge.* events carry it."""
        intent = self.objects[intent_id]
        refunded = sum(
            r["amount"]
            for r in self.of("refund")
            if r["payment_intent"] == intent_id and r["status"] == "succeeded"
        )
        return {
            "id": intent["latest_charge"],
            "object": "charge",
            "amount": intent["amount"],
            "amount_refunded": refunded,
            "refunded": refunded >= intent["amount"],
            "customer": intent["customer"],
            "payment_intent": intent_id,
            "currency": intent["currency"],
        }


def public(obj: dict) -> dict:
    """An object as Stripe shows it (without this stand-in's own bookkeeping)."""
    return {key: value for key, value in obj.items() if not key.startswith("_")}


def _error(status: int, kind: str, message: str) -> tuple[int, dict]:
    return status, {"error": {"type": kind, "message": message}}


_event_ids = itertools.count(1)


def signed_event(
    event_type: str,
    obj: dict,
    *,
    secret: str,
    event_id: str | None = None,
    created: int | None = None,
    signed_at: int | None = None,
) -> tuple[bytes, str]:
    """The body and Stripe-Signature header of a webhook event, signed as Stripe signs it."""
    created = created or int(time.time())
    body = json.dumps(
        {
            "id": event_id or f"evt_test{next(_event_ids):06d}",
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": created,
            "type": event_type,
            "livemode": False,
            "pending_webhooks": 1,
            "data": {"object": public(obj)},
        }
    ).encode()
    timestamp = signed_at or int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={digest}"


WEBHOOK_SECRET = "whsec_test_fitnesscrm"


@pytest.fixture(name="fake_stripe")
def fake_stripe_fixture(settings):
    """Stripe on 127.0.0.1 for one test, with the SDK and the webhook secret pointed at it."""
    fake = FakeStripe().start()
    settings.STRIPE_SECRET_KEY = "sk_test_fitnesscrm"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake.url
    yield fake
    fake.stop()


# --- Helpers the Stripe tests share --------------------------------------------------------


def run_tasks(*, skip: tuple[str, ...] = ("send_invoice_email",)) -> list[str]:
    """Run the queued tasks (and those they queue), oldest first; returns their names.

    The invoice email (a PDF) is dropped: it is tested with the documents.
    """
    from django.utils.module_loading import import_string
    from django_tasks_db.models import DBTaskResult

    ran = []
    while True:
        rows = list(DBTaskResult.objects.filter(status="READY").order_by("enqueued_at", "id"))
        if not rows:
            return ran
        for row in rows:
            name = row.task_path.rsplit(".", 1)[1]
            row.delete()
            if name in skip:
                continue
            import_string(row.task_path).call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
            ran.append(name)


def post_event(browser, event_type: str, obj: dict, **options):
    """Deliver a signed webhook event to the endpoint; returns the response."""
    body, signature = signed_event(event_type, obj, secret=WEBHOOK_SECRET, **options)
    return browser.post(
        "/billing/stripe/webhook",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )


def open_invoice(client, *, price: int = 4500, membership=None):
    """An issued invoice for `client` (issued by the system, as renewals are)."""
    from fitnesscrm.billing import services

    return services.invoice_create(
        actor=None,
        client=client,
        lines=[services.LineSpec(description="Monthly membership", unit_price_minor=price)],
        membership=membership,
        issue=True,
    )


def membership_for(client):
    """A monthly membership that renews today."""
    import datetime

    from django.utils import timezone

    from fitnesscrm.billing.models import Membership
    from tests.factories import ProductFactory

    today = timezone.localdate()
    product = ProductFactory()
    return Membership.objects.create(
        client=client,
        product=product,
        price_minor=product.price_minor,
        currency=product.currency,
        interval=product.interval,
        anchor_day=min(today.day, 28),
        started_on=today - datetime.timedelta(days=31),
        current_period_start=today,
        current_period_end=today + datetime.timedelta(days=30),
    )
