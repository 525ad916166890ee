// The language switch on every view: each language that has a catalogue, by its own name, as a link
// to this same page in that language. Each entry module imports it (one line, `import './langswitch.js'`);
// it puts itself in the page's top bar, or on the wall in the header the projector draws.
//
// Links rather than a <select>: choosing an option that reloads the page is a change of context on
// input (WCAG 3.2.2), and links need no extra "go" button on a 360 px header. Following one reloads
// the page with `?lang=`: the server answers in that language and remembers it for the browser
// session (server/html_shell.py). What the page shows lives on the server (the board, the waiting
// state, the meeting), so it comes back as it was; the address keeps its query and fragment (the
// wall's token).

import { LANGUAGES, ui } from './catalogue.js'
import { h } from './dom.js'
import { lang, t } from './i18n.js'

/**
 * This page's address in the language `code`.
 * @param {string} code
 */
function inLanguage (code) {
  const url = new URL(window.location.href)
  url.searchParams.set('lang', code)
  return `${url.pathname}${url.search}${url.hash}`
}

/** The switch: the current language said, the others offered. */
function langSwitch () {
  const items = LANGUAGES.map((code) => {
    if (code === lang) {
      return h('li', {}, h('span', { class: 'lang-current', lang: code, 'aria-current': 'true', text: t.languageName }))
    }
    const name = /** @type {Record<string, any>} */ (ui)[code].languageName
    const link = h('a', { href: inLanguage(code), lang: code, hreflang: code, text: name })
    // The page may have moved on since (the join page's waiting screen): take the address as it is now.
    link.addEventListener('click', () => { link.setAttribute('href', inLanguage(code)) })
    return h('li', {}, link)
  })
  return h('nav', { class: 'langswitch', 'aria-label': t.languageSwitch }, h('ul', {}, items))
}

/** Put the switch in the page's top bar; the wall has none, so there it joins the wall's header. */
function mountLangSwitch () {
  const bar = document.querySelector('body > .topbar')
  if (bar) {
    bar.append(langSwitch())
    return
  }
  const view = document.getElementById('view')
  if (!view) return
  const switcher = langSwitch()
  // The wall draws its header once it knows the room, and again if it starts over: watch only the
  // view's own children, never the board's many changes below them.
  const place = () => {
    const header = view.querySelector(':scope > header')
    if (header && switcher.parentElement !== header) header.append(switcher)
  }
  new MutationObserver(place).observe(view, { childList: true })
  place()
}

mountLangSwitch()
