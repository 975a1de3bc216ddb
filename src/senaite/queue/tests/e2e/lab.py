# -*- coding: utf-8 -*-
"""What a lab user does over HTTP on a test cluster, for the e2e tests and the benchmarks:
the SENAITE data of the test-only view ``queue-test-senaite``, the samples listing's
buttons and the Add Sample form's "Save"."""

import json
import re
import time

AUTHENTICATOR = re.compile(
    r'<input[^>]*name="_authenticator"[^>]*value="([^"]+)"|'
    r'<input[^>]*value="([^"]+)"[^>]*name="_authenticator"')


def senaite(cluster, action, part="client1", auth=None, **kw):
    """A command of the test-only view ``queue-test-senaite`` on ``part``, as ``auth``
    (default: the cluster's reserved user)."""
    kw["action"] = action
    response = cluster.http.post("{}/queue-test-senaite".format(cluster.site_url(part)),
                                 data=json.dumps(kw), auth=auth or cluster.auth, timeout=900,
                                 headers={"Content-Type": "application/json"})
    response.raise_for_status()
    return response.json()


def authenticator(session, url):
    """The CSRF token of the page at ``url``."""
    page = session.get(url, timeout=300)
    page.raise_for_status()
    match = AUTHENTICATOR.search(page.text)
    if not match:
        raise RuntimeError("No CSRF token in {}".format(url))
    return match.group(1) or match.group(2)


def press(session, context_url, action, uids):
    """A samples listing's button for the samples ``uids``: (seconds, response)."""
    token = authenticator(session, context_url)
    start = time.time()
    response = session.post("{}/workflow_action".format(context_url), allow_redirects=False,
                            timeout=3600, data={"_authenticator": token, "submitted": "1",
                                                "form_id": "list",
                                                "workflow_action_id": action, "uids": uids})
    elapsed = time.time() - start
    if response.status_code not in (301, 302, 303):
        raise RuntimeError("{} answered {}: {}".format(action, response.status_code,
                                                        response.text[:1000]))
    return elapsed, response


def add_form_fields(form, columns, samples_per_column=1):
    """The fields the Add Sample form of the bench client posts when it is saved with
    ``columns`` filled-in columns, without the CSRF token. ``form`` is the ``add_form``
    command's answer (or has its keys); a field ending in ``:list`` has a list value."""
    fields = {"ar_count": str(columns), "submit_action": "save"}
    for num in range(columns):
        fields.update({
            "Client-{}".format(num): form["client"],
            "Contact-{}".format(num): form["contact"],
            "SampleType-{}".format(num): form["sampletype"],
            "DateSampled-{}".format(num): "2024-03-01 10:00",
            "NumSamples-{}".format(num): str(samples_per_column),
            "Analyses-{}:list".format(num): form["services"],
        })
    return fields


def save_samples(session, form, columns, samples_per_column=1):
    """The Add Sample form of the bench client saved with ``columns`` filled-in columns:
    (seconds, the form's JSON answer). ``form`` is the ``add_form`` command's answer."""
    token = authenticator(session, "{}/ar_add?ar_count=1".format(form["url"]))
    data = add_form_fields(form, columns, samples_per_column)
    data["_authenticator"] = token
    start = time.time()
    response = session.post("{}/ajax_ar_add/submit".format(form["url"]), data=data,
                            timeout=3600)
    elapsed = time.time() - start
    response.raise_for_status()
    return elapsed, response.json()
