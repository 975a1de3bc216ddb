# -*- coding: utf-8 -*-
"""Create and configure the SENAITE site of a development or test cluster.

Run it through a client of the cluster, with the ZEO server up:

    bin/client1 run scripts/setup_site.py SITE_ID SERVER_URL LOCAL_CFG

It creates the site SITE_ID as SENAITE's own "Add SENAITE site" form does, installs
senaite.queue, creates (or resets the password of) the reserved user of LOCAL_CFG's [local]
section in the groups Site Administrators and LabManagers and, while the Queue Server is
empty, sets it to SERVER_URL. What already exists is left as it is, so running it twice
changes nothing.
"""

import sys

import transaction
from AccessControl.SecurityManagement import newSecurityManager
from six.moves.configparser import RawConfigParser

# Site Administrators lack "senaite.core: Manage Bika" in SENAITE 2.x, which the
# queue_consume view needs: LabManagers have it.
QUEUE_GROUPS = ("Site Administrators", "LabManagers")
SERVER_RECORD = "senaite.queue.server"


def read_local(path):
    parser = RawConfigParser()
    if not parser.read(path):
        raise SystemExit("Cannot read {}".format(path))
    return dict(parser.items("local"))


def login_admin(app, admin_id):
    user = app.acl_users.getUserById(admin_id)
    if user is None:
        raise SystemExit("No Zope user {} (see local.cfg)".format(admin_id))
    newSecurityManager(None, user.__of__(app.acl_users))


def create_site(app, site_id):
    from Products.CMFPlone.factory import addPloneSite
    from senaite.core.browser.install.view import AddSENAITESite
    print("Creating the SENAITE site {} ...".format(site_id))
    return addPloneSite(
        app, site_id, title="SENAITE LIMS",
        extension_ids=AddSENAITESite.default_extension_profiles,
        setup_content=True, default_language="en", portal_timezone="UTC")


def install_queue(portal):
    from Products.CMFPlone.utils import get_installer
    installer = get_installer(portal, portal.REQUEST)
    if not installer.is_product_installed("senaite.queue"):
        print("Installing senaite.queue ...")
        installer.install_product("senaite.queue")


def ensure_user(portal, user_id, password):
    from plone import api as ploneapi
    acl = portal.acl_users
    if ploneapi.user.get(username=user_id) is None:
        print("Creating the user {} ...".format(user_id))
        ploneapi.user.create(
            username=user_id, password=password,
            email="{}@localhost.localdomain".format(user_id))
    elif acl.authenticate(user_id, password, portal.REQUEST) is None:
        print("Resetting the password of {} ...".format(user_id))
        acl.source_users.userSetPassword(user_id, password)
    member_of = [g.getId() for g in ploneapi.group.get_groups(username=user_id)]
    for group in QUEUE_GROUPS:
        if group not in member_of:
            ploneapi.group.add_user(groupname=group, username=user_id)


def ensure_server(server_url):
    from plone import api as ploneapi
    if not ploneapi.portal.get_registry_record(SERVER_RECORD, default=None):
        print("Setting the Queue Server to {} ...".format(server_url))
        ploneapi.portal.set_registry_record(SERVER_RECORD, u"{}".format(server_url))


def main(app, site_id, server_url, local_cfg):
    from Testing.makerequest import makerequest
    from zope.component.hooks import setSite
    local = read_local(local_cfg)
    app = makerequest(app)
    login_admin(app, local["admin-user"])
    if site_id in app.objectIds():
        portal = app[site_id]
    else:
        portal = create_site(app, site_id)
    setSite(portal)
    install_queue(portal)
    ensure_user(portal, local["consumer-user"], local["consumer-password"])
    ensure_server(server_url)
    transaction.commit()
    print("Site {} is ready".format(site_id))


if __name__ == "__main__":
    # `bin/<client> run` passes [interpreter, "-c", script, args...]: read from the end
    main(app, *sys.argv[-3:])  # noqa: F821 (app is given by `bin/<client> run`)
