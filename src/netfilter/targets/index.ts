/** Imports every target extension so that each registers itself. */
import './reject.js';
import './log.js';
import './nat.js';
import './mark.js';
import './notrack.js';
