/** Imports every match extension so that each registers itself. */
import './tcp.js';
import './udp.js';
import './icmp.js';
import './multiport.js';
import './conntrack.js';
import './physdev.js';
import './mac.js';
import './mark.js';
import './addrtype.js';
import './iprange.js';
import './comment.js';
import './limit.js';
import './pkttype.js';
import './length.js';
import './ttl.js';
