// The view library, imported from here only: lit-html's templates, which keep every element they
// made and change only the values that differ, and `repeat`, which keeps a list's elements by key.
// Chosen over Preact + htm by bench/boardview.py (docs/performance.md, "Web client").

export { html, nothing, render } from 'lit-html'
export { repeat } from 'lit-html/directives/repeat.js'
