"""Client pages: the list, a client's record, the lead board, follow-up tasks, the portal profile.

Thin adapters: reads come from clients.selectors (already scoped to the user), writes
go through clients.services; a record the user may not see is a 404.

One module per area: lists (the list and its bulk actions), records (create, edit, photo,
archive, restore, invite), detail (a client's page and the forms posted from it), merge
(folding a duplicate in), leads (the lead board), tasks (follow-up tasks), portal (the
client's own profile); _common holds what they share. Every page is named here, so
`views.client_list` is all clients/urls.py needs.
"""

from fitnesscrm.clients.views.detail import (
    assignment_add,
    assignment_end,
    client_detail,
    note_add,
    note_pin,
    stage_change,
    status_change,
    task_add,
)
from fitnesscrm.clients.views.leads import lead_board
from fitnesscrm.clients.views.lists import client_bulk, client_list
from fitnesscrm.clients.views.merge import client_merge
from fitnesscrm.clients.views.portal import portal_profile
from fitnesscrm.clients.views.records import (
    client_archive,
    client_create,
    client_edit,
    client_invite,
    client_photo,
    client_restore,
)
from fitnesscrm.clients.views.tasks import my_tasks, task_done

__all__ = [
    "assignment_add",
    "assignment_end",
    "client_archive",
    "client_bulk",
    "client_create",
    "client_detail",
    "client_edit",
    "client_invite",
    "client_list",
    "client_merge",
    "client_photo",
    "client_restore",
    "lead_board",
    "my_tasks",
    "note_add",
    "note_pin",
    "portal_profile",
    "stage_change",
    "status_change",
    "task_add",
    "task_done",
]
