# -*- coding: utf-8 -*-
"""The users of the site the HTTP layer serves (``testing.HttpLayer``)."""

# user id -> roles; every password is "<user id>-secret"
HTTP_USERS = {
    "labmanager": ["LabManager"],
    "labclerk": ["LabClerk"],
    "analyst": ["Analyst"],
    "clientcontact": ["Client"],
    "queue_consumer": ["LabManager"],
}


def password(user_id):
    return "{}-secret".format(user_id)
