# -*- coding: utf-8 -*-
"""A headless Chromium for SENAITE pages, driven by Selenium through Debian's chromedriver.

``Browser`` knows what every SENAITE page has: the login form, status messages, page loads,
and the ajax requests of senaite.app.listing. It counts the page's ``fetch`` and
``XMLHttpRequest`` calls (a script added to every document), so that a test can wait until
a listing has loaded or answered a click, instead of sleeping. ``Listing`` is a
senaite.app.listing table: its rows, checkboxes, buttons and confirmations.

Every wait polls a condition until a deadline; nothing here measures how long the site
takes. Used by the browser tests and by scripts/screenshots.py.
"""

import contextlib
import os

from selenium import webdriver
from selenium.common.exceptions import ElementClickInterceptedException
from selenium.common.exceptions import ElementNotInteractableException
from selenium.common.exceptions import NoSuchElementException
from selenium.common.exceptions import StaleElementReferenceException
from selenium.common.exceptions import TimeoutException
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
WIDTH = 1280
HEIGHT = 900
# Seconds a page, a listing or an ajax answer may take: generous, the machines are shared
TIMEOUT = 180

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--hide-scrollbars", "--lang=en-US",
    "--window-size={},{}".format(WIDTH, HEIGHT),
]

# Counts the page's requests in flight: ``fetch`` (senaite.app.listing) and
# ``XMLHttpRequest`` (jQuery). A request counts until the macrotask after its answer (and
# its body) arrived, so the page's own callbacks, and the rendering they do, come first.
PENDING_SCRIPT = """
(function () {
  if (window.__queueTestPending !== undefined) { return; }
  window.__queueTestPending = 0;
  var done = function () {
    setTimeout(function () { window.__queueTestPending -= 1; }, 0);
  };
  var track = function (promise) {
    window.__queueTestPending += 1;
    promise.then(done, done);
    return promise;
  };
  if (window.fetch) {
    var fetch = window.fetch;
    window.fetch = function () { return track(fetch.apply(this, arguments)); };
    ["json", "text", "blob", "formData", "arrayBuffer"].forEach(function (name) {
      var read = Response.prototype[name];
      if (read) {
        Response.prototype[name] = function () { return track(read.apply(this, arguments)); };
      }
    });
  }
  var send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function () {
    window.__queueTestPending += 1;
    this.addEventListener("loadend", done);
    return send.apply(this, arguments);
  };
})();
"""

IDLE_SCRIPT = """
return document.readyState === "complete" && (window.__queueTestPending || 0) <= 0 &&
       document.querySelectorAll("#table-overlay, .loader .dot").length === 0;
"""


def new_driver(chromium=CHROMIUM, chromedriver=CHROMEDRIVER):
    """A headless Chromium with a viewport of WIDTH x HEIGHT, English, requests counted."""
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    # Both paths given: Selenium does not look for (or download) a browser or driver
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PENDING_SCRIPT})
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    driver.set_page_load_timeout(TIMEOUT)
    return driver


class Browser(object):
    """A headless Chromium on the SENAITE site ``site_url``."""

    def __init__(self, site_url, driver=None, timeout=TIMEOUT):
        self.site_url = site_url.rstrip("/")
        self.driver = driver or new_driver()
        self.timeout = timeout

    # -- basics -------------------------------------------------------------

    def quit(self):
        self.driver.quit()

    def url(self, path=""):
        """An absolute URL: ``path`` is relative to the site unless it is a URL."""
        if path.startswith("http://") or path.startswith("https://"):
            return path
        return "{}/{}".format(self.site_url, path.lstrip("/")) if path else self.site_url

    @property
    def current_url(self):
        return self.driver.current_url

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def wait(self, condition, message, timeout=None):
        """Polls ``condition()`` until it returns something true; returns that."""
        def probe(_):
            try:
                return condition()
            except (NoSuchElementException, StaleElementReferenceException):
                return False
        try:
            return WebDriverWait(self.driver, timeout or self.timeout, poll_frequency=0.25,
                                 ignored_exceptions=()).until(probe)
        except TimeoutException:
            raise AssertionError("Timed out waiting for {} (on {})".format(
                message, self.current_url))

    def is_idle(self):
        """The page is loaded and has no request in flight."""
        try:
            return bool(self.js(IDLE_SCRIPT))
        except WebDriverException:
            return False

    def wait_idle(self, timeout=None):
        """Until the page is loaded and its requests (the listings') are answered: twice
        in a row, a quarter of a second apart, so that a request started by an answer
        counts too."""
        state = {"idle": 0}

        def settled():
            state["idle"] = state["idle"] + 1 if self.is_idle() else 0
            return state["idle"] >= 2
        self.wait(settled, "the page to load and its requests to be answered", timeout)

    def open(self, path=""):
        """Opens a page and waits until it and its listings are loaded."""
        self.driver.get(self.url(path))
        self.wait_idle()

    @contextlib.contextmanager
    def page_load(self, timeout=None):
        """Waits, after the block, until a new page replaced the current one and is
        loaded (a form posted, a link followed, a redirect by the page's script)."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        yield

        def replaced():
            try:
                old.tag_name
                return False
            except StaleElementReferenceException:
                return True
        self.wait(replaced, "a new page", timeout)
        self.wait_idle(timeout)

    # -- elements -----------------------------------------------------------

    def find(self, css, within=None):
        return (within or self.driver).find_element(By.CSS_SELECTOR, css)

    def find_all(self, css, within=None):
        return (within or self.driver).find_elements(By.CSS_SELECTOR, css)

    def first(self, css, within=None):
        """The first element matching ``css``, or None."""
        found = self.find_all(css, within)
        return found[0] if found else None

    def text(self, css, within=None):
        """The visible text of the first element matching ``css``, whitespace collapsed;
        empty when there is none."""
        element = self.first(css, within)
        return " ".join(element.text.split()) if element is not None else ""

    def wait_for(self, css, message=None, timeout=None):
        """The first element matching ``css``, once there is one."""
        return self.wait(lambda: self.first(css), message or css, timeout)

    def click(self, element_or_css):
        """Clicks as a user does: once nothing covers the element (senaite.app.listing
        lays an overlay on its table while it loads)."""
        element = element_or_css
        if not hasattr(element, "click"):
            element = self.find(element_or_css)

        def clicked():
            self.js("arguments[0].scrollIntoView({block: 'center'});", element)
            try:
                element.click()
            except (ElementClickInterceptedException, ElementNotInteractableException):
                return False
            return True
        self.wait(clicked, "{} to take a click".format(
            element_or_css if element is not element_or_css else "an element"))
        return element

    def fill(self, element_or_css, value):
        """Replaces the value of a text field, as a user typing it."""
        element = element_or_css
        if not hasattr(element, "send_keys"):
            element = self.find(element_or_css)
        self.click(element)
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.DELETE)
        element.send_keys(value)
        return element

    # -- Plone and SENAITE ----------------------------------------------------

    def login(self, user, password):
        """Logs in through the site's login form."""
        self.open("logout")
        self.open("login")
        self.fill("#__ac_name", user)
        self.fill("#__ac_password", password)
        with self.page_load():
            self.click("#buttons-login")
        if not self.js("return document.body.classList.contains('userrole-authenticated');"):
            raise AssertionError("Could not log in as {}: {}".format(
                user, self.status_messages()))

    def logout(self):
        self.open("logout")
        self.driver.delete_all_cookies()

    def status_messages(self):
        """The texts of the page's status messages ("Info ...", "Warning ...")."""
        return [" ".join(element.text.split())
                for element in self.find_all("#global_statusmessage .alert")]

    def listing(self, form_id=None):
        return Listing(self, form_id)

    # -- evidence -----------------------------------------------------------

    def screenshot(self, path, full_page=True):
        """Saves the page as PNG; with ``full_page``, all of its height."""
        if full_page:
            height = self.js("return Math.max(document.documentElement.scrollHeight, "
                             "document.body.scrollHeight);")
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": WIDTH, "height": max(int(height), HEIGHT), "deviceScaleFactor": 1,
                "mobile": False})
        try:
            with open(path, "wb") as png:
                png.write(self.driver.get_screenshot_as_png())
        finally:
            if full_page:
                self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                    "width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1,
                    "mobile": False})
        return path

    def save_html(self, path):
        with open(path, "wb") as html:
            html.write(self.driver.page_source.encode("utf-8"))
        return path

    def save_evidence(self, folder, name):
        """A screenshot and the HTML of the current page, as ``folder/name.png`` and
        ``folder/name.html``; the paths saved. Never raises: it runs when something
        failed already."""
        saved = []
        if not os.path.isdir(folder):
            os.makedirs(folder)
        for suffix, save in ((".png", self.screenshot), (".html", self.save_html)):
            path = os.path.join(folder, name + suffix)
            try:
                saved.append(save(path))
            except Exception as error:  # noqa: B902 (evidence is best effort)
                saved.append("{} not saved: {}".format(path, error))
        return saved


class Listing(object):
    """A senaite.app.listing table of the current page (the first one, or ``form_id``)."""

    def __init__(self, browser, form_id=None):
        self.browser = browser
        self.form_id = form_id

    @property
    def scope(self):
        if self.form_id:
            return "form#{} ".format(self.form_id)
        return ""

    def css(self, css):
        return self.scope + css

    def row(self, uid):
        """The row of the object ``uid``, or None."""
        return self.browser.first(self.css("tr[uid='{}']".format(uid)))

    def has_row(self, uid):
        return self.row(uid) is not None

    def wait_rows(self, uids, message=None):
        """Until every uid has its row."""
        uids = list(uids)
        self.browser.wait(lambda: all(self.has_row(uid) for uid in uids),
                          message or "the rows of {} objects".format(len(uids)))

    def checkbox(self, uid):
        return self.browser.first(self.css("input[name='uids:list'][value='{}']".format(uid)))

    def cell(self, uid, column):
        """The text of the row's ``column`` cell (e.g. ``state_title``)."""
        return self.browser.text("td.{}".format(column), within=self.row(uid))

    def is_queued(self, uid):
        """The row shows senaite.queue's spinner."""
        return self.browser.first(".senaite-queue-queued", within=self.row(uid)) is not None

    def is_selectable(self, uid):
        box = self.checkbox(uid)
        return box is not None and box.is_enabled()

    def selected_uids(self):
        return [box.get_attribute("value") for box in
                self.browser.find_all(self.css("input[name='uids:list']"))
                if box.is_selected()]

    def select(self, uids):
        """Ticks the rows' checkboxes, then waits until the buttons are fetched."""
        for uid in uids:
            box = self.checkbox(uid)
            if not box.is_selected():
                self.browser.click(box)
        self.browser.wait_idle()

    def try_select(self, uid):
        """Clicks the row's checkbox once, as a user may try to; whether it is selected
        then."""
        box = self.checkbox(uid)
        self.browser.js("arguments[0].scrollIntoView({block: 'center'});", box)
        try:
            box.click()
        except (ElementClickInterceptedException, ElementNotInteractableException):
            pass
        self.browser.wait_idle()
        return self.checkbox(uid).is_selected()

    def select_all(self):
        self.browser.click(self.css("input[name='select_all']"))
        self.browser.wait_idle()

    def button(self, transition):
        """The button of the transition (e.g. ``assign``), or None."""
        return self.browser.first(self.css("button#{}_transition".format(transition)))

    def buttons(self):
        """The ids of the transition buttons shown."""
        return [button.get_attribute("id")[:-len("_transition")] for button in
                self.browser.find_all(self.css("button[id$='_transition']"))]

    def button_count(self, transition):
        """The number on the button: how many selected objects it applies to."""
        button = self.button(transition)
        if button is None:
            return None
        badge = self.browser.text(".badge", within=button)
        return int(badge) if badge.isdigit() else None

    def press(self, transition):
        """Presses the transition's button, once it is there."""
        button = self.browser.wait(lambda: self.button(transition),
                                   "the button {!r}".format(transition))
        self.browser.click(button)

    def confirmation(self):
        """The text of the confirmation the last button asks for, once it shows."""
        popover = self.browser.wait_for(".popover.confirmation.show", "a confirmation")
        return " ".join(popover.get_attribute("textContent").split())

    def answer(self, yes):
        """Answers the confirmation ("Yes" or "No"); waits until it is gone for "No"."""
        link = self.browser.wait_for(
            ".popover.confirmation a[data-{}='confirmation']".format(
                "apply" if yes else "dismiss"), "the confirmation's buttons")
        self.browser.click(link)
        if not yes:
            self.browser.wait(lambda: not self.browser.first(".popover.confirmation"),
                              "the confirmation to close")
            self.browser.wait_idle()
