"""The desk protocol's names and JSON shapes, shared by the relay and the desk (docs/relay.md).

Version 1 lives under ``/desk/v1/``. A later version adds a new prefix; a relay keeps
serving the old one as long as desks of that version exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from desktop_app.contacts.directory import Contact

PREFIX = "/desk/v1"
EVENTS = PREFIX + "/events"
CONTACTS = PREFIX + "/contacts"
CALLBACKS = PREFIX + "/callbacks"  # the shared call-back list (desktop_app.campaigns.relay_routes)
CAMPAIGN_CALLS = PREFIX + "/campaign-calls"
KINDS = ("event", "history", "campaign_report")  # the ``event:`` names of the stream
HEARTBEAT_SECONDS = 15.0
LAST_EVENT_ID_QUERY = "last_event_id"
CONTACT_FIELDS = ("name", "company", "manager", "email", "note", "crm_url")


def contact_to_json(contact: Contact) -> dict[str, Any]:
    data: dict[str, Any] = {"id": contact.id}
    for name in CONTACT_FIELDS:
        data[name] = getattr(contact, name)
    data["phones"] = list(contact.phones)
    if contact.updated is not None:
        data["updated"] = contact.updated.isoformat()
    return data


def contact_from_json(data: Any) -> Contact:
    """A contact from a JSON object (unknown fields ignored); ValueError when it is not one."""
    if not isinstance(data, dict):
        raise ValueError("a contact must be a JSON object")
    values: dict[str, Any] = {}
    for name in CONTACT_FIELDS:
        value = data.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ValueError(f"field {name} must be a string")
        values[name] = value
    phones = data.get("phones", [])
    if not isinstance(phones, list) or not all(isinstance(p, str) for p in phones):
        raise ValueError("field phones must be a list of strings")
    contact_id = data.get("id")
    if contact_id is not None and (isinstance(contact_id, bool) or not isinstance(contact_id, int)):
        raise ValueError("field id must be a whole number")
    updated = data.get("updated")
    when = None
    if isinstance(updated, str):
        try:
            when = datetime.fromisoformat(updated)
        except ValueError:
            when = None
    return Contact(phones=tuple(phones), id=contact_id, updated=when, **values)
