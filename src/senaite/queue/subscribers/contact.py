# -*- coding: utf-8 -*-
"""Re-indexing a client's security in the background when a contact's user is linked or
unlinked.

SENAITE 2.6 links a user to a contact (``Contact.setUser`` / ``unlinkUser``) by writing the
contact's UID into the user's ``linked_contact_uid`` property, granting or revoking the
local Owner role on the contact, and adding the user to, or removing it from, the client's
group, creating the group (and its Owner role on the client) when the client has none.
That last change reaches the catalog security of the client's existing content only through
a re-index of the client's whole subtree, which SENAITE does not do. When the queue is
ready, senaite.queue queues that re-index (``task_reindex_object_security``): a ghost task
with a low priority, run in small chunks. Without the queue nothing changes.

PlonePAS notifies ``PropertiesUpdated`` when the property is written, before the contact's
own fields change: on unlink the contact still holds the username then.
"""

from bika.lims import api as capi
from bika.lims.content.contact import CONTACT_UID_KEY
from bika.lims.interfaces import IClient
from senaite.core.catalog import CONTACT_CATALOG
from senaite.queue import api


def get_linked_contact(user_id, contact_uid):
    """The contact the user is being linked to (``contact_uid``) or unlinked from."""
    if contact_uid:
        return capi.get_object_by_uid(contact_uid, None)
    brains = capi.search({"portal_type": "Contact", "getUsername": user_id}, CONTACT_CATALOG)
    if len(brains) != 1:
        return None
    return capi.get_object(brains[0])


def on_user_properties_updated(event):
    """Queue the re-index of the client's security when a contact's user is (un)linked."""
    properties = getattr(event, "properties", None) or {}
    if CONTACT_UID_KEY not in properties:
        return
    if not api.can_queue():
        return
    user_id = event.principal.getId()
    contact = get_linked_contact(user_id, properties.get(CONTACT_UID_KEY))
    if contact is None:
        return
    client = capi.get_parent(contact)
    if not IClient.providedBy(client):
        return
    api.add_reindex_obj_security_task(client, top_uid=capi.get_uid(client))
