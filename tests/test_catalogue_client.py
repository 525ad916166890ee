"""The web client's words as a page gets them, from the bundled catalogues: every phrase of `t`, `w`
and `c` comes out as text with its placeholders filled, plurals and clipping work, and the client
offers and names the relations as the server's record does.

Bundles the words modules with the project's esbuild and runs them in Node; without Node or
web/node_modules it skips, unless REQUIRE_BROWSER=1 (the browser tests need both too).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from server.catalogue import catalogue, languages
from server.meetings.render import wording

WEB = Path(__file__).resolve().parent.parent / "web"

# Loads the words modules for each language as a page would (the language from `?lang=`) and gives
# every plain phrase and the text of every function, called with 2 for each value (a list where a
# list is wanted), plus a few calls whose exact text is asserted below.
SCRIPT = r"""
import { createRequire } from 'node:module'
import { writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
const [web, bundle, langs] = process.argv.slice(2)
const esbuild = createRequire(`${web}/package.json`)('esbuild')
const entry = `export { lang, t } from './src/i18n.js'
export { w } from './src/boardwords.js'
export { c } from './src/childwords.js'
export { labels, RELATIONS, relationLabel } from './src/labels.js'`
const built = esbuild.buildSync({ stdin: { contents: entry, resolveDir: web, sourcefile: 'words.js' }, bundle: true,
  format: 'esm', platform: 'node', write: false, logLevel: 'error' })
writeFileSync(bundle, built.outputFiles[0].text)

function texts (words) {
  const out = {}
  for (const [key, value] of Object.entries(words)) {
    if (typeof value !== 'function') { out[key] = value; continue }
    try { out[key] = value(2, 2, 2, 2) } catch { out[key] = value(['a'], ['a'], ['a'], ['a']) }
  }
  return out
}

const result = {}
for (const lang of langs.split(',')) {
  globalThis.window = { location: { search: `?lang=${lang}` } }
  globalThis.document = { documentElement: { lang: '' } }
  const m = await import(`${pathToFileURL(bundle).href}?${lang}`)
  result[lang] = {
    lang: m.lang,
    t: texts(m.t), w: texts(m.w), c: texts(m.c),
    relations: m.RELATIONS.map((r) => [r, m.relationLabel(r)]),
    roles: m.labels.roles,
    calls: {
      unsaved1: m.t.unsaved(1),
      unsaved3: m.t.unsaved(3),
      waiting: m.t.announceWaiting('Ann', 'Moeder'),
      admitAllOff: m.t.announceAdmitAll(false),
      removeMarked: m.w.removeMarked(2, 0),
      removeMarkedDisagree: m.w.removeMarked(1, 1),
      markItem: m.w.markItem('Eens', 'x'.repeat(100)),
      markCount: m.w.markCount('Eens', 2, ''),
      dates: m.w.datesLabel('', '2027-01-05'),
      jargon: m.w.jargon(['ots', 'veiligheidsplan']),
      added: m.c.added('House of worries'),
      copiedNone: m.c.copied(0, 'Vader')
    }
  }
}
console.log(JSON.stringify(result))
"""


def _client_words(tmp_path: Path) -> dict[str, Any]:
    node = shutil.which("node")
    if not node or not (WEB / "node_modules" / "esbuild").exists():
        reason = "Node.js or web/node_modules is missing (run `make web`)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    script = tmp_path / "words.mjs"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [node, str(script), str(WEB), str(tmp_path / "bundle.mjs"), ",".join(languages())],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    assert isinstance(value, dict) and "other" not in value, value  # a plural must be a function
    return [s for v in value.values() for s in _strings(v)]


def test_the_client_speaks_every_catalogue_and_the_same_relations_as_the_record(tmp_path: Path) -> None:
    client = _client_words(tmp_path)
    assert set(client) == set(languages())
    for lang, words in client.items():
        assert words["lang"] == lang
        for module in ("t", "w", "c"):
            for key, value in words[module].items():
                for text in _strings(value):
                    assert text and "{" not in text and "}" not in text, (lang, module, key, text)
        assert words["relations"] == [list(pair) for pair in wording.RELATIONS[lang].items()]
        assert words["roles"] == catalogue(lang)["people"]["roles"]


def test_plurals_choices_and_clipping_read_as_before(tmp_path: Path) -> None:
    calls = {lang: words["calls"] for lang, words in _client_words(tmp_path).items()}
    assert calls["nl"] == {
        "unsaved1": "1 wijziging nog niet opgeslagen",
        "unsaved3": "3 wijzigingen nog niet opgeslagen",
        "waiting": "Ann wacht in kamer Moeder.",
        "admitAllOff": "Jij laat nu iedereen zelf binnen.",
        "removeMarked": "2 mensen hebben hierop gereageerd. Wat betwist is, blijft zichtbaar: "
        "zet het liever in het grijze gebied.",
        "removeMarkedDisagree": "1 persoon heeft hierop gereageerd (1 oneens). Wat betwist is, blijft zichtbaar: "
        "zet het liever in het grijze gebied.",
        "markItem": "Eens: " + "x" * 80,
        "markCount": "Eens 2",
        "dates": "bekijken op 5 jan 2027",  # the plan's ISO days as Dutch writes them
        "jargon": 'Vakjargon? "ots", "veiligheidsplan". Beschrijf liever wat er gebeurt, in woorden die het gezin '
        "gebruikt.",
        "added": "Toegevoegd aan House of worries.",
        "copiedNone": "Er is niets gekopieerd.",
    }
    assert calls["en"]["added"] == "Added to the house of worries."  # English puts the house in lower case
    assert calls["en"]["unsaved1"] == "1 change not saved yet"
