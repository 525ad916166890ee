"""The printed forms of a room's export: the meeting report and the children's version, as HTML
with the print stylesheet (web/static/print.css), and as PDF rendered from that same HTML.

Everything shown is escaped: board text is whatever people typed. WeasyPrint gets a URL fetcher
that serves the stylesheet from disk and refuses every other URL, so a PDF never makes a request:
no fonts, images or styles from anywhere (domain.md: everything stays on the organisation's servers).
"""

from __future__ import annotations

import base64
import re
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from server.catalogue import fill
from server.meetings.domain.people import shown_names, surname_initial
from server.meetings.render.wording import RELATIONS, ROLES, WORDS, Words, label_set
from server.rooms.schema import CONSENT_BY_BAND

STATIC_DIR = Path(__file__).resolve().parents[3] / "web" / "static"
# The only files a printed page may load, all from this server's own static directory.
LOCAL_FILES = {"/static/print.css": ("print.css", "text/css"), "/static/icon.svg": ("icon.svg", "image/svg+xml")}


def _labels_for(content: dict[str, Any], lang: str) -> dict[str, Any]:
    # The meeting's own wording (e.g. early help's "worry statement"), in the language asked for.
    family = "early-help-" if str(content.get("labels", "")).startswith("early-help-") else ""
    return label_set(f"{family}{lang}")


def _page(title: str, body: str, lang: str, body_class: str) -> str:
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="icon" href="/static/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/print.css">
</head>
<body class="{body_class}">
{body}
</body>
</html>
"""


def _who(person: dict[str, Any], words: Words) -> str:
    if person.get("role") == "facilitator":
        return str(words["facilitator"])
    return str(person.get("name") or words["unknown"])


def _relation(relation: str, lang: str) -> str:
    return RELATIONS[lang].get(relation, relation)


def _date(value: str | None) -> str:
    return value[:10] if value else "—"


def report_html(content: dict[str, Any], lang: str) -> str:
    words = WORDS[lang]
    labels = _labels_for(content, lang)
    meeting, room, case = content["meeting"], content["room"], content["case"]
    e = escape
    parts: list[str] = [
        f"<h1>{e(words['report_title'])}: {e(meeting['title'])}</h1>",
        '<dl class="meta">',
        f"<dt>{e(words['case'])}</dt><dd>{e(case['label'])}</dd>",
        f"<dt>{e(words['room'])}</dt><dd>{e(room['name'])}</dd>",
        f"<dt>{e(words['held'])}</dt><dd>{e(_date(meeting['created_at']))}</dd>",
        f"<dt>{e(words['status'])}</dt><dd>{e(words['meeting_status'].get(meeting['status'], meeting['status']))}</dd>",
        f"<dt>{e(words['exported'])}</dt><dd>{e(_date(content['exported_at']))}</dd>",
        "</dl>",
    ]
    if meeting["split"]:
        parts.append(f'<p class="note">{e(words["split_note"])}</p>')

    parts.append(f"<h2>{e(words['people'])}</h2>")
    if content["people"]:
        parts.append(f"<table><tr><th>{e(words['name'])}</th><th>{e(words['relation'])}</th></tr>")
        for p in content["people"]:
            parts.append(f"<tr><td>{e(p['name'])}</td><td>{e(_relation(p['relation'], lang))}</td></tr>")
        parts.append("</table>")
    else:
        parts.append(f'<p class="empty">{e(words["nobody"])}</p>')

    parts.append(f"<h2>{e(labels['pair']['pairs'])}</h2>")
    if not content["danger_statements"]:
        parts.append(f'<p class="empty">{e(words["none"])}</p>')
    for n, danger in enumerate(content["danger_statements"], start=1):
        goal = danger["safety_goal"]
        parts.append('<div class="pair">')
        parts.append(f"<p><strong>{e(labels['pair']['danger'])} {n}.</strong> {e(danger['text'])}</p>")
        goal_text = e(goal["text"]) if goal else f'<span class="empty">{e(words["no_goal"])}</span>'
        parts.append(f"<p><strong>{e(labels['pair']['goal'])} {n}.</strong> {goal_text}</p>")
        parts.append("</div>")

    parts.append(f"<h2>{e(words['framework'])}</h2>")
    for column, title in labels["columns"].items():
        sections = [s for s in content["framework"] if s["column"] == column]
        if not any(s["items"] for s in sections):
            continue
        parts.append(f"<h3>{e(title)}</h3>")
        for section in sections:
            if not section["items"]:
                continue
            label = labels["categories"].get(section["category"], section["label"])
            parts.append(f'<p><strong>{e(label)}</strong></p><ul class="items">')
            for item in section["items"]:
                tag = _level_tag(item, words)
                marks = ", ".join(f"{m['name']}: {words['marks'][m['mark']]}" for m in item["marks"])
                marks_html = f' <span class="marks">({e(marks)})</span>' if marks else ""
                by = f' <span class="by">{e(words["by"])} {e(_who(item["raised_by"], words))}</span>'
                parts.append(f"<li>{e(item['text'])}{tag}{by}{marks_html}</li>")
            parts.append("</ul>")

    parts.append(f"<h2>{e(words['scaling'])}</h2>")
    parts.append(f'<p class="note">{e(labels["scale"]["question"])}</p>')
    if not content["rounds"]:
        parts.append(f'<p class="empty">{e(words["none"])}</p>')
    for round_ in content["rounds"]:
        about = f" ({e(words['about'])}: {e(round_['about']['text'])})" if round_["about"] else ""
        parts.append(f"<h3>{e(round_['title'] or words['round'])}{about}</h3>")
        if round_["status"] != "revealed":
            parts.append(f'<p class="empty">{e(words["not_revealed"])}</p>')
            continue
        if not round_["scores"]:
            parts.append(f'<p class="empty">{e(words["no_scores"])}</p>')
            continue
        parts.append(
            f'<table class="scale"><tr><th>{e(words["name"])}</th><th>{e(words["relation"])}</th>'
            f"<th>{e(words['score'])}</th><th>{e(words['why'])}</th></tr>"
        )
        for s in round_["scores"]:
            parts.append(
                f"<tr><td>{e(s['name'])}</td><td>{e(_relation(s['relation'], lang))}</td>"
                f'<td class="value">{s["value"]}</td><td>{e(s["why"])}</td></tr>'
            )
        parts.append("</table>")

    parts.append(f"<h2>{e(words['plan'])}</h2>")
    if not content["plan"]:
        parts.append(f'<p class="empty">{e(words["none"])}</p>')
    for section in ("immediate", "longer", "bottom_line"):
        rules = [r for r in content["plan"] if r["section"] == section]
        if not rules:
            continue
        parts.append(f"<h3>{e(labels['sections'][section])}</h3>")
        for rule in rules:
            parts.append(_rule(rule, words))
    if content["child_tools"]:
        parts.append(f"<h2>{e(words['child_tools'])}</h2>")
        for house in ("worries", "good", "dreams"):
            entries = [c for c in content["child_tools"] if c["house"] == house]
            if not entries:
                continue
            parts.append(f'<h3>{e(words["houses"][house])}</h3><ul class="items">')
            for entry in entries:
                photo = f' <span class="tag">{e(words["photo"])}</span>' if entry["photo"] else ""
                consent = entry["consent"]
                agreed = fill(
                    words["consent"],
                    parties=", ".join(words["parties"].get(p, p) for p in consent.get("parties") or []),
                )
                parts.append(f'<li>{e(entry["text"])}{photo} <span class="by">{e(agreed)}</span></li>')
            parts.append("</ul>")
    parts.append(_journal(content["journal"], words))
    return _page(f"Kring · {meeting['title']} · {room['name']}", "\n".join(parts), lang, "report")


def _journal(journal: dict[str, Any], words: Words) -> str:
    """The safety journal: the week's summary, then per rule its reports in time order. A rule that did
    not hold this week says so in words (a tag), not by colour alone."""
    e = escape
    summary = journal["summary"]
    parts = [
        f'<section class="journal"><h2>{e(words["journal_title"])}</h2>',
        f'<p class="note">{e(words["journal_intro"])}</p>',
        f"<h3>{e(fill(words['journal_week'], since=summary['since'], until=summary['until']))}</h3>",
        f"<p>{e(fill(words['journal_held'], held=summary['held'], rules=summary['rules']))}</p>",
    ]
    if summary["not_held"]:
        parts.append('<ul class="items">')
        for failed in summary["not_held"]:
            text = failed["text"] or words["journal_unshared"]
            parts.append(f"<li>{e(fill(words['journal_failed'], text=text, times=failed['times']))}</li>")
        parts.append("</ul>")
    for rule in journal["rules"]:
        flag = f' <span class="tag">{e(words["journal_flagged"])}</span>' if rule["flagged"] else ""
        parts.append(f'<div class="journal-rule"><h3>{e(rule["text"] or words["journal_unshared"])}{flag}</h3>')
        if not rule["reports"]:
            parts.append(f'<p class="empty">{e(words["journal_none"])}</p></div>')
            continue
        parts.append(
            f"<table><tr><th>{e(words['journal_day'])}</th><th>{e(words['journal_who'])}</th>"
            f"<th>{e(words['journal_verdict'])}</th><th>{e(words['journal_note'])}</th></tr>"
        )
        for report in rule["reports"]:
            who = f"{report['by']['name'] or words['unknown']} ({words['journal_kinds'][report['kind']]})"
            verdict = words["journal_verdicts"][report["verdict"]]
            parts.append(
                f'<tr class="verdict-{e(report["verdict"])}"><td>{e(report["day"])}</td><td>{e(who)}</td>'
                f"<td>{e(verdict)}</td><td>{e(report['note'])}</td></tr>"
            )
        parts.append("</table></div>")
    parts.append("</section>")
    return "\n".join(parts)


def _rule(rule: dict[str, Any], words: Words) -> str:
    e = escape
    owners = ", ".join(o["name"] for o in rule["owners"]) or words["nobody_yet"]
    rows = [
        (words["who"], owners),
        (words["claimed"], ", ".join(c["name"] for c in rule["claimed_by"])),
        (words["goal"], rule["goal"]["text"] if rule["goal"] else ""),
        (words["when"], rule["when"]),
        (words["check"], rule["check"]),
        (words["check_by"], rule["check_by"]),
        (words["if_not_kept"], rule["if_not_kept"]),
        (words["start"], rule["start"] or ""),
        (words["review"], rule["review"] or ""),
        (words["rule_status"], words["statuses"].get(rule["status"], rule["status"])),
    ]
    tag = _level_tag(rule, words)
    details = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in rows if v)
    return f'<div class="rule"><p class="what">{e(rule["text"])}{tag}</p><dl>{details}</dl></div>'


def _level_tag(entry: dict[str, Any], words: dict[str, Any]) -> str:
    """The mark of an item or rule the phones see but not the wall, or that only the facilitators saw."""
    if entry.get("facilitator_only"):
        return f'<span class="tag">{escape(words["facilitator_only"])}</span>'
    return f'<span class="tag">{escape(words["sensitive"])}</span>' if entry["sensitive"] else ""


# What the children are told: the rules that were agreed (not a proposal, not one that failed),
# never a sensitive one (a parent's own protective strategy is not for a child's sheet), and only in
# the words written for them: a rule without them is left out, never told in the adults' wording.
CHILD_STATUSES = ("agreed", "trying", "working")


def child_rules(content: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        r
        for r in content["plan"]
        if r["status"] in CHILD_STATUSES and not r["sensitive"] and r.get("for_children", "").strip()
    ]


def child_entries(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The child's own Three Houses entries that may be on the sheet: shown in the room (never a private
    one, which the export does not hold) with the consent their age band asks for."""
    found = []
    for entry in content["child_tools"]:
        consent = entry.get("consent") or {}
        needed = CONSENT_BY_BAND.get(str(consent.get("band")))
        shown = entry.get("visibility") in ("room", "shared")
        if shown and needed is not None and needed <= set(consent.get("parties") or []):
            found.append(entry)
    return found


def safety_people(
    content: dict[str, Any], rules: list[dict[str, Any]], chosen: dict[str, bool | None] | None = None
) -> list[str]:
    """The ids of the children's safety people, in order: those who carry a rule the children are told
    (in the order of the rules), unless the facilitator said no, then whoever else the facilitator
    counted in (`chosen`: participant id to True / False; missing or None, by the rules)."""
    chosen = chosen or {}
    found: dict[str, None] = {}
    for rule in rules:
        for owner in rule["owners"]:
            if chosen.get(owner["id"]) is not False:
                found.setdefault(owner["id"], None)
    for person in content["people"]:
        if chosen.get(person["id"]) is True and person.get("relation") != "child":
            found.setdefault(person["id"], None)
    return list(found)


def children_html(
    content: dict[str, Any],
    lang: str,
    drawings: dict[str, str] | None = None,
    chosen: dict[str, bool | None] | None = None,
    portraits: dict[str, str] | None = None,
) -> str:
    """The children's version; `drawings` maps a Three Houses entry's photo id to its picture (a data URL),
    so that the page and its PDF carry the child's drawing without a request. `chosen` says who the
    facilitator counted in or out of the safety people (safety_people), `portraits` maps a participant id
    to the photo of them that they agreed to (a data URL, likewise)."""
    words = WORDS[lang]
    e = escape
    drawings = drawings or {}
    portraits = portraits or {}
    rules = child_rules(content)
    parts = [
        f"<h1>{e(words['child_title'])}</h1>",
        f'<p class="intro">{e(words["child_intro"])}</p>',
        '<div class="card">',
        f"<p>{e(words['child_draw_family'])}</p>",
        f'<div class="draw draw-big">{e(words["child_draw_here"])}</div>',
        "</div>",
    ]
    # First names, as the children know them; two of the same told apart as on the screens.
    shown = shown_names(
        {
            p["id"]: {"name": p["first_name"], "relation": p["relation"], "initial": surname_initial(p["name"])}
            for p in content["people"]
        },
        lambda relation: ROLES[lang].get(relation, ""),
    )

    def called(person: dict[str, Any]) -> str:
        return str(shown.get(person["id"]) or person["first_name"] or person["name"])

    parts.append(f"<h2>{e(words['child_rules'])}</h2>")
    for n, rule in enumerate(rules, start=1):
        helpers = ", ".join(called(o) for o in rule["owners"])
        parts.append('<div class="card">')
        parts.append(f'<p class="rule-text">{n}. {e(rule["for_children"])}</p>')
        if helpers:
            parts.append(f'<p class="helpers">{e(words["child_helpers"])} {e(helpers)}.</p>')
        parts.append(f'<div class="draw">{e(words["child_draw_here"])}</div>')
        parts.append("</div>")
    if not rules:
        parts.append(f'<p class="intro">{e(words["child_none"])}</p>')

    # The safety people: by default those who carry a rule the children are told, so the sheet names
    # only people the children hear of in it; the facilitator may count someone in or out. Each with the
    # photo they agreed to, else a frame to stick one in or draw them.
    known = {p["id"]: p for p in content["people"]}
    for rule in rules:
        for owner in rule["owners"]:
            known.setdefault(owner["id"], owner)
    people = [(pid, called(known[pid])) for pid in safety_people(content, rules, chosen) if pid in known]
    if people:
        parts.append('<section class="safety-people">')
        parts.append(f"<h2>{e(words['child_people'])}</h2>")
        parts.append(f'<p class="intro">{e(words["child_people_intro"])}</p>')
        parts.append('<ul class="people">')
        for pid, name in people:
            portrait = portraits.get(pid)
            if portrait:
                alt = fill(str(words["child_person_photo_alt"]), name=name)
                frame = f'<img class="portrait" src="{e(portrait)}" alt="{e(alt)}">'
            else:
                frame = f'<div class="photo-frame">{e(words["child_photo_here"])}</div>'
            parts.append(f'<li class="person">{frame}<p class="person-name">{e(name)}</p></li>')
        parts.append("</ul></section>")

    entries = child_entries(content)
    if entries:
        parts.append('<section class="houses">')
        parts.append(f"<h2>{e(words['child_houses'])}</h2>")
        for house in ("worries", "good", "dreams"):
            in_house = [c for c in entries if c["house"] == house]
            if not in_house:
                continue
            parts.append(f'<div class="card house"><h3>{e(words["child_house_names"][house])}</h3>')
            for entry in in_house:
                if entry["text"]:
                    parts.append(f'<p class="child-words">{e(entry["text"])}</p>')
                picture = drawings.get(entry["photo"] or "")
                if picture:
                    parts.append(f'<img class="drawing" src="{e(picture)}" alt="{e(words["child_drawing_alt"])}">')
            parts.append(f'<div class="draw">{e(words["child_draw_here"])}</div>')
            parts.append("</div>")
        parts.append("</section>")

    parts.append('<div class="card">')
    parts.append(f"<p>{e(words['child_safe'])}</p>")
    parts.append(f'<div class="draw draw-big">{e(words["child_draw_here"])}</div>')
    parts.append("</div>")
    return _page(words["child_title"], "\n".join(parts), lang, "children")


class RefusedUrl(ValueError):
    """A printed page asked for something that is not one of this server's own files."""


# A child's drawing, put in the page itself by the server (see children_html); nothing else inline.
DATA_PICTURE = re.compile(r"^data:(image/(?:png|jpeg));base64,([A-Za-z0-9+/=]+)$")


def data_url(body: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(body).decode()}"


def local_fetch(url: str, base_url: str) -> tuple[bytes, str]:
    """The bytes and type of `url` if it is one of LOCAL_FILES on this server or a drawing put in the
    page (a PNG or JPEG data URL); else RefusedUrl."""
    inline = DATA_PICTURE.match(url)
    if inline:
        return base64.b64decode(inline.group(2)), inline.group(1)
    parsed, base = urlsplit(url), urlsplit(base_url)
    if (parsed.scheme, parsed.netloc) != (base.scheme, base.netloc) or parsed.path not in LOCAL_FILES:
        raise RefusedUrl(url)
    name, media_type = LOCAL_FILES[parsed.path]
    return (STATIC_DIR / name).read_bytes(), media_type


def render_pdf(html: str, base_url: str) -> bytes:
    """The PDF of `html`; blocking (call it in a thread)."""
    # Imported here: WeasyPrint loads Pango and its fonts, which only an export needs.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    base = base_url.rstrip("/") + "/"

    class LocalOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            body, media_type = local_fetch(url, base)
            return URLFetcherResponse(url, body, {"Content-Type": media_type})

    pdf = HTML(string=html, base_url=base, url_fetcher=LocalOnly()).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
