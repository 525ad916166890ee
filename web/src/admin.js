// The administration page (/admin): who is signed in, the console bar, and its sections' modules.

import { facilitator, wireConsoleBar } from './session.js'
import { translatePage } from './i18n.js'
import './langswitch.js'
import './invites.js'

translatePage()
wireConsoleBar()
facilitator()
