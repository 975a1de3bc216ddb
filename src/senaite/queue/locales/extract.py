# -*- coding: utf-8 -*-
"""Message extraction and catalog sync of the senaite.queue i18n domain.

    python src/senaite/queue/locales/extract.py          (what `make i18n` runs)

rebuilds senaite.queue.pot from the package's sources and syncs every
<lang>/LC_MESSAGES/senaite.queue.po with it: new msgids are added with an empty msgstr,
stale ones removed, existing translations kept. tests/test_i18n.py uses the same functions.

Sources (tests/ excluded), senaite.queue domain only:
- Python: calls of the name `from senaite.queue import messageFactory [as _]` is bound to,
  with a literal first argument (ast);
- page templates: i18n:translate / i18n:attributes (zope.tal's gettext engine);
- GenericSetup XML: i18n:translate / i18n:attributes;
- ZCML: title and description of genericsetup:registerProfile (MessageID fields).
Python 2.7 and 3.
"""

from __future__ import print_function
from __future__ import unicode_literals

import ast
import io
import os
import re
import sys
import time
import xml.etree.ElementTree as etree

DOMAIN = "senaite.queue"
LOCALES = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(LOCALES)
POT = os.path.join(LOCALES, DOMAIN + ".pot")

# Language-Code, Language-Name, Plural-Forms of the shipped catalogs
LANGUAGES = {
    "en": ("en", "English", "nplurals=2; plural=(n != 1);"),
    "es": ("es", "Español", "nplurals=2; plural=(n != 1);"),
    "de": ("de", "Deutsch", "nplurals=2; plural=(n != 1);"),
    "cs": ("cs", "Čeština",
           "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;"),
    "zh_CN": ("zh-cn", "简体中文", "nplurals=1; plural=0;"),
}

I18N_NS = "http://xml.zope.org/namespaces/i18n"
GS_NS = "http://namespaces.zope.org/genericsetup"
# ZCML directives whose title and description are MessageID fields
ZCML_DIRECTIVES = ("{%s}registerProfile" % GS_NS, )

try:
    text_type = unicode  # noqa: F821 (Python 2)
except NameError:
    text_type = str


def normalize(text):
    return " ".join(text.split())


def walk(extensions):
    """Files of the package with one of extensions, tests/ and locales/ excluded."""
    for root, dirs, files in os.walk(PACKAGE):
        rel = os.path.relpath(root, PACKAGE)
        if rel.split(os.sep)[0] in ("tests", "locales"):
            dirs[:] = []
            continue
        dirs.sort()
        for name in sorted(files):
            if name.endswith(extensions):
                yield os.path.join(root, name)


def ref(path, line):
    return "./{}:{}".format(os.path.relpath(path, PACKAGE).replace(os.sep, "/"), line)


def literal(node):
    """The text of a string literal node, else None."""
    if hasattr(ast, "Constant") and isinstance(node, ast.Constant):
        value = node.value
    elif isinstance(node, ast.Str):
        value = node.s
    else:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return value if isinstance(value, text_type) else None


def extract_python(path):
    with io.open(path, "rb") as f:
        tree = ast.parse(f.read(), path)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == DOMAIN:
            for alias in node.names:
                if alias.name == "messageFactory":
                    names.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in names or not node.args:
            continue
        msgid = literal(node.args[0])
        if msgid:
            yield msgid, ref(path, node.lineno)


class _NullStream(object):

    def write(self, data):
        pass


def extract_template(path):
    from zope.tal.htmltalparser import HTMLTALParser
    from zope.tal.talgettext import POEngine
    from zope.tal.talgettext import POTALInterpreter
    engine = POEngine()
    engine.file = path
    parser = HTMLTALParser()
    parser.parseFile(path)
    program, macros = parser.getCode()
    POTALInterpreter(program, macros, engine, stream=_NullStream(), metal=False)()
    for msgid, positions in engine.catalog.get(DOMAIN, {}).items():
        for filename, (line, column) in positions:
            yield text_type(msgid), ref(path, line)


def _xml_lines(path):
    """element -> line, by the order of the start tags (ElementTree has no line numbers)."""
    with io.open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"<!--.*?-->", lambda m: " " * len(m.group(0).replace("\n", "")) +
                  "\n" * m.group(0).count("\n"), text, flags=re.S)
    return [text.count("\n", 0, m.start()) + 1
            for m in re.finditer(r"<(?![?!/])", text)]


def extract_xml(path, zcml=False):
    lines = _xml_lines(path)
    root = etree.parse(path).getroot()
    elements = list(root.iter())
    lineno = {id(el): (lines[i] if i < len(lines) else 0) for i, el in enumerate(elements)}
    domain_attr = "i18n_domain" if zcml else "{%s}domain" % I18N_NS

    def visit(el, domain):
        domain = el.get(domain_attr, domain)
        if domain == DOMAIN:
            line = ref(path, lineno[id(el)])
            if zcml:
                if el.tag in ZCML_DIRECTIVES:
                    for attr in ("title", "description"):
                        if el.get(attr):
                            yield normalize(el.get(attr)), line
            else:
                if el.get("{%s}translate" % I18N_NS) is not None:
                    msgid = el.get("{%s}translate" % I18N_NS) or normalize(el.text or "")
                    if msgid:
                        yield msgid, line
                for attr in (el.get("{%s}attributes" % I18N_NS) or "").split(";"):
                    parts = attr.split()
                    if parts:
                        msgid = parts[1] if len(parts) > 1 else normalize(el.get(parts[0], ""))
                        if msgid:
                            yield msgid, line
        for child in el:
            for item in visit(child, domain):
                yield item

    for item in visit(root, None):
        yield item


def extract():
    """msgid -> sorted list of references, from the package's sources."""
    messages = {}

    def add(items):
        for msgid, where in items:
            messages.setdefault(msgid, set()).add(where)

    for path in walk((".py", )):
        add(extract_python(path))
    for path in walk((".pt", ".cpt", ".zpt")):
        add(extract_template(path))
    for path in walk((".xml", )):
        if os.sep + "profiles" + os.sep in path:
            add(extract_xml(path))
    for path in walk((".zcml", )):
        add(extract_xml(path, zcml=True))

    def key(reference):
        name, line = reference.rsplit(":", 1)
        return name, int(line)

    return {msgid: sorted(refs, key=key) for msgid, refs in messages.items()}


# .po files

def unquote(text):
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r'\\(.)', lambda m: escapes.get(m.group(1), m.group(0)), text[1:-1])


def quote(text):
    return '"{}"'.format(text.replace("\\", "\\\\").replace('"', '\\"')
                         .replace("\n", "\\n").replace("\t", "\\t"))


def read_po(path):
    """(headers as a list of (name, value), {msgid: msgstr}) of a .po or .pot file.

    Raises ValueError on a malformed file or a duplicate msgid.
    """
    entries = []
    current = None
    field = None
    with io.open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                if not line and current is not None:
                    entries.append(current)
                    current, field = None, None
                continue
            if line.startswith(("msgctxt", "msgid_plural", "msgstr[")):
                raise ValueError("{}:{}: unsupported {}".format(path, number, line))
            for keyword in ("msgid", "msgstr"):
                if line.startswith(keyword + " "):
                    if keyword == "msgid":
                        if current is not None:
                            entries.append(current)
                        current = {}
                    elif current is None or "msgid" not in current:
                        raise ValueError("{}:{}: msgstr without msgid".format(path, number))
                    field = keyword
                    current[field] = unquote(line[len(keyword):])
                    break
            else:
                if field is None or not line.startswith('"'):
                    raise ValueError("{}:{}: cannot parse {!r}".format(path, number, line))
                current[field] += unquote(line)
    if current is not None:
        entries.append(current)
    headers, messages = [], {}
    for entry in entries:
        if "msgstr" not in entry:
            raise ValueError("{}: no msgstr for {!r}".format(path, entry["msgid"]))
        if entry["msgid"] == "":
            for header in entry["msgstr"].split("\n"):
                if header.strip():
                    name, _, value = header.partition(":")
                    headers.append((name.strip(), value.strip()))
            continue
        if entry["msgid"] in messages:
            raise ValueError("{}: duplicate msgid {!r}".format(path, entry["msgid"]))
        messages[entry["msgid"]] = entry["msgstr"]
    return headers, messages


def write_po(path, headers, messages, references, comment):
    lines = [comment, 'msgid ""', 'msgstr ""']
    lines.extend(quote("{}: {}\n".format(name, value)) for name, value in headers)
    for msgid in sorted(references):
        lines.append("")
        lines.extend("#: {}".format(where) for where in references[msgid])
        lines.append("msgid {}".format(quote(msgid)))
        lines.append("msgstr {}".format(quote(messages.get(msgid, ""))))
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory)
    with io.open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def pot_headers():
    return [
        ("Project-Id-Version", DOMAIN),
        ("POT-Creation-Date", "YEAR-MO-DA HO:MI+ZONE"),
        ("PO-Revision-Date", "YEAR-MO-DA HO:MI+ZONE"),
        ("Last-Translator", "FULL NAME <EMAIL@ADDRESS>"),
        ("Language-Team", "LANGUAGE <LL@li.org>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Transfer-Encoding", "8bit"),
        ("Plural-Forms", "nplurals=1; plural=0;"),
        ("Language-Code", "en"),
        ("Language-Name", "English"),
        ("Preferred-Encodings", "utf-8 latin1"),
        ("Domain", DOMAIN),
    ]


def po_headers(language, old):
    code, name, plural = LANGUAGES[language]
    headers = dict(old)
    revision = headers.get("PO-Revision-Date", "")
    if not revision or revision.startswith("YEAR"):
        revision = time.strftime("%Y-%m-%d %H:%M+0000", time.gmtime())
    return [
        ("Project-Id-Version", DOMAIN),
        ("POT-Creation-Date", "YEAR-MO-DA HO:MI+ZONE"),
        ("PO-Revision-Date", revision),
        ("Last-Translator", headers.get("Last-Translator", "senaite.queue developers")),
        ("Language-Team", headers.get("Language-Team", "{} <LL@li.org>".format(name))),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Transfer-Encoding", "8bit"),
        ("Plural-Forms", plural),
        ("Language-Code", code),
        ("Language-Name", name),
        ("Language", language),
        ("Preferred-Encodings", "utf-8 latin1"),
        ("Domain", DOMAIN),
    ]


def po_path(language):
    return os.path.join(LOCALES, language, "LC_MESSAGES", DOMAIN + ".po")


def languages():
    """The languages of the catalogs in locales/ and the shipped ones."""
    found = set(LANGUAGES)
    for name in os.listdir(LOCALES):
        if os.path.isfile(po_path(name)):
            found.add(name)
    return sorted(found)


def main():
    references = extract()
    write_po(POT, pot_headers(), {}, references,
             "# Translation template of senaite.queue: `make i18n` writes it, do not edit.")
    print("{}: {} messages".format(os.path.relpath(POT), len(references)))
    for language in languages():
        if language not in LANGUAGES:
            sys.exit("{}: add the language to LANGUAGES in {}".format(language, __file__))
        path = po_path(language)
        headers, messages = read_po(path) if os.path.exists(path) else ([], {})
        stale = sorted(set(messages) - set(references))
        write_po(path, po_headers(language, headers), messages, references,
                 "# {} translation of senaite.queue.".format(LANGUAGES[language][1]))
        missing = [msgid for msgid in references if not messages.get(msgid)]
        print("{}: {} stale removed, {} without translation{}".format(
            os.path.relpath(path), len(stale), len(missing),
            " (msgstr empty: the msgid is the English text)" if language == "en" else ""))


if __name__ == "__main__":
    main()
