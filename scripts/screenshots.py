#!/usr/bin/env python3
"""Screenshots of senaite.queue for the documentation, taken with headless Chromium.

Drives Chromium through its DevTools protocol over a pipe (--remote-debugging-pipe), so it
needs nothing but Python 3 and Chromium. Against the cluster of `make run`, it logs in as the
admin of local.cfg, opens Site Setup > Queue Settings, submits an invalid Queue Server so that
the form shows a field error, and saves the page as docs/_static/controlpanel.png.

Usage: scripts/screenshots.py [--url http://localhost:8080/senaite] [--config local.cfg]
                              [--out docs/_static] [--chromium /usr/bin/chromium]
"""

import argparse
import base64
import configparser
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--remote-debugging-pipe",
]
WIDTH = 1280
HEIGHT = 900
INVALID_SERVER = "localhost:8090"
TIMEOUT = 60


class Chromium(object):
    """A headless Chromium driven through the DevTools protocol on fds 3 and 4."""

    def __init__(self, binary, profile_dir):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def child_fds():
            # Chromium reads commands on fd 3 and writes answers on fd 4
            read_fd = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            write_fd = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(read_fd, 3)
            os.dup2(write_fd, 4)

        self.process = subprocess.Popen(
            [binary] + CHROMIUM_FLAGS + ["--user-data-dir=" + profile_dir, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=child_fds)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buffer = b""
        self.events = []
        self.last_id = 0
        self.session = None

    def receive(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_chrome, 65536)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message.decode("utf-8"))

    def call(self, method, **params):
        """The result of a DevTools command, in the attached page once there is one."""
        self.last_id += 1
        message = {"id": self.last_id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(message).encode("utf-8") + b"\0")
        while True:
            answer = self.receive()
            if answer.get("id") != self.last_id:
                self.events.append(answer)
                continue
            if "error" in answer:
                raise RuntimeError("{}: {}".format(method, answer["error"]))
            return answer["result"]

    def wait_for(self, event):
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            while self.events:
                if self.events.pop(0).get("method") == event:
                    return
            self.events.append(self.receive())
        raise RuntimeError("No {} within {} s".format(event, TIMEOUT))

    def open_page(self):
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call(
            "Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT,
                  deviceScaleFactor=1, mobile=False)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError("{}: {}".format(expression, result["exceptionDetails"]))
        return result["result"].get("value")

    def load(self, expression):
        """Evaluates ``expression`` (a navigation) and waits until the new page is loaded."""
        self.events = []
        self.evaluate(expression)
        self.wait_for("Page.loadEventFired")

    def goto(self, url):
        self.events = []
        error = self.call("Page.navigate", url=url).get("errorText")
        if error:
            raise RuntimeError("{}: {}".format(url, error))
        self.wait_for("Page.loadEventFired")

    def screenshot(self, path):
        """Saves the whole page as PNG."""
        height = self.evaluate("document.documentElement.scrollHeight")
        self.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=height,
                  deviceScaleFactor=1, mobile=False)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as png:
            png.write(base64.b64decode(data))

    def close(self):
        self.process.terminate()
        self.process.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)


def wait_for_site(url):
    deadline = time.time() + 180
    while True:
        try:
            urllib.request.urlopen(url + "/login", timeout=10).close()
            return
        except (urllib.error.URLError, OSError):
            if time.time() > deadline:
                raise RuntimeError("{} does not answer".format(url))
            time.sleep(1)


def set_value(selector, value):
    return "document.querySelector({}).value = {}".format(
        json.dumps(selector), json.dumps(value))


def click(selector):
    return "document.querySelector({}).click()".format(json.dumps(selector))


def login(browser, url, user, password):
    browser.goto(url + "/login")
    browser.evaluate(set_value("#__ac_name", user))
    browser.evaluate(set_value("#__ac_password", password))
    browser.load(click("#buttons-login"))
    if not browser.evaluate(
            "document.body.classList.contains('userrole-authenticated')"):
        raise RuntimeError("Could not log in as {}".format(user))


def controlpanel(browser, url, out_dir):
    """The control panel with one field error, as controlpanel.png."""
    browser.goto(url + "/@@queue-controlpanel")
    browser.evaluate(set_value("#form-widgets-server", INVALID_SERVER))
    browser.load(click("#form-buttons-save"))
    error = browser.evaluate(
        "(document.querySelector('#formfield-form-widgets-server .fieldErrorBox')"
        " || {}).textContent")
    if not (error or "").strip():
        raise RuntimeError("The control panel shows no error for the Queue Server")
    path = os.path.join(out_dir, "controlpanel.png")
    browser.screenshot(path)
    print("{}: Queue Server error: {}".format(path, error.strip()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:8080/senaite")
    parser.add_argument("--config", default="local.cfg")
    parser.add_argument("--out", default="docs/_static")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    config = configparser.ConfigParser()
    if not config.read(args.config):
        sys.exit("No {}: run `make run` first".format(args.config))
    url = args.url.rstrip("/")
    wait_for_site(url)
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="senaite-queue-chromium-") as profile:
        browser = Chromium(args.chromium, profile)
        try:
            browser.open_page()
            login(browser, url, config["local"]["admin-user"],
                  config["local"]["admin-password"])
            controlpanel(browser, url, args.out)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
