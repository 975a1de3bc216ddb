# -*- coding: utf-8 -*-
"""The lab the release test works in: made by a ZEO client of the lab's buildout.

    bin/client1 run labdata.py SITE_ID ADMIN_ID USER_ID PASSWORD SAMPLES

It adds the lab user USER_ID (a member of Lab Managers), a client with a contact, a sample
type, a department, two analysis services, SAMPLES received samples and a worksheet with all their
analyses, each with a result, ready to be submitted. SENAITE 2.6's web APIs cannot create
analysis services, so this is test set-up, not what the test checks. It prints one line
``LAB {"worksheet": <url path>, "analyses": [<uid>, ...]}``.
"""

import json
import sys

import transaction
from AccessControl.SecurityManagement import newSecurityManager
from Testing.makerequest import makerequest
from zope.component.hooks import setSite
from zope.globalrequest import setRequest


def make_lab(app, site_id, user_id, password, samples):
    from bika.lims import api
    from bika.lims.utils.analysisrequest import create_analysisrequest
    from bika.lims.workflow import doActionFor
    from DateTime import DateTime
    from plone import api as ploneapi

    portal = app[site_id]
    setSite(portal)
    portal.setupCurrentSkin(app.REQUEST)
    ploneapi.user.create(username=user_id, password=password,
                         email="{}@example.com".format(user_id))
    ploneapi.group.add_user(groupname="LabManagers", username=user_id)

    setup = portal.setup
    client = api.create(portal.clients, "Client", Name="Release Lab", ClientID="REL")
    contact = api.create(client, "Contact", Firstname="Ada", Surname="Lovelace")
    sampletype = api.create(setup.sampletypes, "SampleType", title="Water", Prefix="W")
    manager = api.create(portal.bika_setup.bika_labcontacts, "LabContact", Firstname="Lab",
                         Surname="Manager")
    department = api.create(setup.departments, "Department", title="Chemistry",
                            DepartmentID="CHEM", Manager=manager)
    category = api.create(setup.analysiscategories, "AnalysisCategory", title="Metals",
                          Department=department)
    services = [api.create(portal.bika_setup.bika_analysisservices, "AnalysisService",
                           title=title, Keyword=keyword, Price="10",
                           Category=api.get_uid(category))
                for title, keyword in (("Copper", "Cu"), ("Iron", "Fe"))]
    values = {"Client": api.get_uid(client), "Contact": api.get_uid(contact),
              "SampleType": api.get_uid(sampletype), "DateSampled": DateTime()}
    analyses = []
    for _ in range(samples):
        sample = create_analysisrequest(client, app.REQUEST, values,
                                        [api.get_uid(service) for service in services])
        doActionFor(sample, "receive")
        analyses.extend(sample.getAnalyses(full_objects=True))
    worksheet = api.create(portal.worksheets, "Worksheet")
    worksheet.setAnalyst(user_id)
    worksheet.addAnalyses(analyses)
    for analysis in analyses:
        analysis.setResult("7")
    transaction.commit()
    return {"worksheet": api.get_path(worksheet)[len(api.get_path(portal)):],
            "analyses": [api.get_uid(analysis) for analysis in analyses]}


def main(app, site_id, admin_id, user_id, password, samples):
    app = makerequest(app)
    setRequest(app.REQUEST)
    admin = app.acl_users.getUserById(admin_id)
    newSecurityManager(None, admin.__of__(app.acl_users))
    lab = make_lab(app, site_id, user_id, password, int(samples))
    sys.stdout.write("LAB {}\n".format(json.dumps(lab)))


if __name__ == "__main__":
    # `bin/<client> run` passes [interpreter, "-c", script, args...]: read from the end
    main(app, *sys.argv[-5:])  # noqa: F821 (app is given by `bin/<client> run`)
