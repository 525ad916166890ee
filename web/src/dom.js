// Small DOM helpers shared by the views. Text goes in as textContent only, never as HTML.

/**
 * @template {Element} E
 * @param {string} id
 * @returns {E}
 */
export function byId (id) {
  const el = document.getElementById(id)
  if (!el) throw new Error(`the page has no #${id}`)
  return /** @type {any} */ (el)
}

/**
 * @typedef {string | number | boolean | null | undefined | ((event: any) => void)} AttrValue
 * @typedef {Node | string | null | undefined | false} Child
 */

/**
 * An element with attributes and children. `on<event>` attributes take listeners; `text` sets the
 * text; `class` the class name; `dataset` is written with data-*; false/null/undefined are skipped.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, AttrValue>} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h (tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value)
    } else if (name === 'text') {
      el.textContent = String(value)
    } else if (name === 'class') {
      el.className = String(value)
    } else if (value === true) {
      el.setAttribute(name, '')
    } else {
      el.setAttribute(name, String(value))
    }
  }
  append(el, children)
  return el
}

/**
 * @param {Element} parent
 * @param {(Child | Child[])[]} children
 */
function append (parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    parent.append(typeof child === 'string' ? document.createTextNode(child) : child)
  }
}

/**
 * Replace an element's children.
 * @param {Element} el
 * @param {...(Child | Child[])} children
 */
export function fill (el, ...children) {
  el.replaceChildren()
  append(el, children)
}

/**
 * Set text only when it changed: rewriting the same words makes screen readers say them again.
 * @param {Element} el
 * @param {string} text
 */
export function setText (el, text) {
  if (el.textContent !== text) el.textContent = text
}

const KEPT_ANNOUNCEMENTS = 5

/**
 * Say something in the page's polite live region (#live). Each message is added as its own line,
 * so two in quick succession (someone let in, someone else waiting) are both read; the region
 * keeps only the last few.
 * @param {string} text
 */
export function announce (text) {
  const live = document.getElementById('live')
  if (!live || !text) return
  live.append(h('p', { class: 'announcement', text }))
  while (live.childElementCount > KEPT_ANNOUNCEMENTS) live.firstElementChild?.remove()
}

/**
 * Show or hide an error message element (#error by default, role="alert").
 * @param {string | null} message
 * @param {HTMLElement} [el]
 */
export function showError (message, el = byId('error')) {
  el.hidden = !message
  setText(el, message || '')
}

/**
 * A switch: a button whose pressed state is its value, announced as on or off.
 * @param {{label: string, checked: boolean, onchange: (checked: boolean) => void | Promise<void>, id?: string}} options
 */
export function switchButton ({ label, checked, onchange, id }) {
  const button = h('button', {
    type: 'button',
    role: 'switch',
    class: 'switch',
    id,
    'aria-checked': String(checked)
  }, h('span', { class: 'switch-track', 'aria-hidden': 'true' }, h('span', { class: 'switch-thumb' })),
  h('span', { class: 'switch-label', text: label }))
  button.addEventListener('click', async () => {
    const next = button.getAttribute('aria-checked') !== 'true'
    button.disabled = true
    try {
      await onchange(next)
    } finally {
      button.disabled = false
    }
  })
  return button
}

/**
 * @param {HTMLButtonElement} button
 * @param {boolean} checked
 */
export function setSwitch (button, checked) {
  button.setAttribute('aria-checked', String(checked))
}

/** @param {string} code eight digits, shown as "1234 5678" to read out and type. */
export function groupCode (code) {
  return code.length === 8 ? `${code.slice(0, 4)} ${code.slice(4)}` : code
}

/**
 * Run `fn` now and then every `ms` while the page is visible; a slow answer is never overlapped.
 * @param {() => Promise<unknown>} fn
 * @param {number} ms
 * @returns {() => void} stops it
 */
export function every (fn, ms) {
  let stopped = false
  let running = false
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer
  const tick = async () => {
    if (stopped || running) return
    clearTimeout(timer)
    running = true
    try {
      if (document.visibilityState !== 'hidden') await fn()
    } catch (err) {
      console.warn('poll failed', err)
    } finally {
      running = false
    }
    if (!stopped) timer = setTimeout(tick, ms)
  }
  tick()
  // A phone coming back from the lock screen asks at once instead of waiting out the interval.
  const wake = () => {
    if (document.visibilityState === 'visible') tick()
  }
  document.addEventListener('visibilitychange', wake)
  return () => {
    stopped = true
    clearTimeout(timer)
    document.removeEventListener('visibilitychange', wake)
  }
}
