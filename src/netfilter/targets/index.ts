/** Imports every target extension so that each registers itself. */
import './reject.js';
import './log.js';
import './nat.js';
import './mark.js';
import './notrack.js';
import './checksum.js';
import './nflog.js';
import './ttl.js';
import './tcpmss.js';
import './dsfield.js';
import './netmap.js';
import './nfqueue.js';
import './classify.js';
