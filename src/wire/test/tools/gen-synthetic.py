import struct, subprocess, socket
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b))
    while s>>16: s=(s&0xffff)+(s>>16)
    return (~s)&0xffff
def mac(s): return bytes(int(x,16) for x in s.split(':'))
A=mac('02:00:00:00:0a:01'); B=mac('02:00:00:00:0b:01'); BC=mac('ff:ff:ff:ff:ff:ff')
def ip(s): return socket.inet_aton(s)
def eth(dst,src,t,p): return dst+src+struct.pack('!H',t)+p
def ipv4(src,dst,proto,payload,ttl=64,ident=1,frag=0x4000,tot=None,ver=4,opts=b''):
    hl=20+len(opts)
    h=struct.pack('!BBHHHBBH4s4s',(ver<<4)|(hl//4),0,tot if tot is not None else hl+len(payload),ident,frag,ttl,proto,0,ip(src),ip(dst))+opts
    h=h[:10]+struct.pack('!H',csum(h))+h[12:]
    return h+payload
def icmp(t,c,rest,data):
    m=struct.pack('!BBHI',t,c,0,rest)+data
    return m[:2]+struct.pack('!H',csum(m))+m[4:]
def pseudo(src,dst,proto,l): return ip(src)+ip(dst)+struct.pack('!BBH',0,proto,l)
def udp(src,dst,sp,dp,data,ulen=None):
    l=8+len(data); u=struct.pack('!HHHH',sp,dp,ulen if ulen is not None else l,0)+data
    c=csum(pseudo(src,dst,17,l)+u) or 0xffff
    return u[:6]+struct.pack('!H',c)+u[8:]
def tcp(src,dst,sp,dp,seq,ack,flags,win,opts=b'',data=b'',urg=0,doff=None):
    while len(opts)%4: opts+=b'\0'
    hl=20+len(opts)
    t=struct.pack('!HHIIBBHHH',sp,dp,seq,ack,((doff if doff is not None else hl)//4)<<4,flags,win,0,urg)+opts+data
    c=csum(pseudo(src,dst,6,len(t))+t)
    return t[:16]+struct.pack('!H',c)+t[18:]
def ip_eth(src,dst,proto,payload,**kw): return eth(B,A,0x0800,ipv4(src,dst,proto,payload,**kw))
S='198.51.100.10'; D='198.51.100.1'
orig=ipv4(S,'203.0.113.5',17,udp(S,'203.0.113.5',40000,53,b'abcdefgh'))[:28]
orig_tcp=ipv4(S,'203.0.113.5',6,tcp(S,'203.0.113.5',40000,443,1,0,2,1000))[:28]
F=[]
echo=icmp(8,0,(7<<16)|1,b'x'*16)
F.append(('VLAN-tagged echo request', eth(B,A,0x8100,struct.pack('!HH',10,0x0800)+ipv4(S,D,1,echo))))
F.append(('VLAN tag with priority 5 and DEI', eth(B,A,0x8100,struct.pack('!HH',(5<<13)|0x1000|42,0x0800)+ipv4(S,D,1,echo))))
F.append(('QinQ double tag', eth(B,A,0x88a8,struct.pack('!HH',100,0x8100)+struct.pack('!HH',10,0x0806)+struct.pack('!HHBBH6s4s6s4s',1,0x0800,6,4,1,A,ip(S),b'\0'*6,ip(D)))))
F.append(('ARP request with a target MAC', eth(BC,A,0x0806,struct.pack('!HHBBH6s4s6s4s',1,0x0800,6,4,1,A,ip(S),B,ip(D)))))
F.append(('ARP for another protocol', eth(BC,A,0x0806,struct.pack('!HHBBH',1,0x86dd,6,16,1)+A+b'\0'*16+b'\0'*6+b'\0'*16)))
F.append(('RARP-style reverse request', eth(BC,A,0x0806,struct.pack('!HHBBH6s4s6s4s',1,0x0800,6,4,3,A,ip(S),A,ip('0.0.0.0')))))
for code in (0,1,2,3):
    F.append(('redirect code %d'%code, ip_eth(D,S,1,icmp(5,code,struct.unpack('!I',ip('198.51.100.254'))[0],orig))))
F.append(('redirect unknown code', ip_eth(D,S,1,icmp(5,9,struct.unpack('!I',ip('198.51.100.254'))[0],orig))))
F.append(('param problem pointer', ip_eth(D,S,1,icmp(12,0,5<<24,orig))))
F.append(('param problem code', ip_eth(D,S,1,icmp(12,1,0,orig))))
F.append(('timestamp request', ip_eth(S,D,1,icmp(13,0,(9<<16)|2,struct.pack('!III',3723004,0,0)))))
F.append(('timestamp reply', ip_eth(D,S,1,icmp(14,0,(9<<16)|2,struct.pack('!III',3723004,3723010,86399999)))))
F.append(('address mask reply', ip_eth(D,S,1,icmp(18,0,0,ip('255.255.255.0')))))
F.append(('unknown icmp type', ip_eth(D,S,1,icmp(42,0,0,b''))))
F.append(('information request', ip_eth(D,S,1,icmp(15,0,0,b''))))
for code in (0,5,6,7,8,9,10,11,12,14,15,99):
    F.append(('unreach code %d'%code, ip_eth(D,S,1,icmp(3,code,0,orig))))
F.append(('tcp port unreachable', ip_eth(D,S,1,icmp(3,3,0,orig_tcp))))
F.append(('frag needed without mtu', ip_eth(D,S,1,icmp(3,4,0,orig))))
F.append(('reassembly time exceeded', ip_eth(D,S,1,icmp(11,1,0,orig))))
F.append(('time exceeded other code', ip_eth(D,S,1,icmp(11,7,0,orig))))
ra=b'\x94\x04\x00\x00'
def igmp(t,mrt,grp,extra=b''):
    m=struct.pack('!BBH4s',t,mrt,0,ip(grp))+extra
    return m[:2]+struct.pack('!H',csum(m))+m[4:]
F.append(('igmp v2 report', ip_eth(S,'239.1.1.1',2,igmp(0x16,0,'239.1.1.1'),ttl=1,opts=ra)))
F.append(('igmp leave', ip_eth(S,'224.0.0.2',2,igmp(0x17,0,'239.1.1.1'),ttl=1,opts=ra)))
F.append(('igmp v1 report', ip_eth(S,'239.1.1.1',2,igmp(0x12,0,'239.1.1.1'),ttl=1)))
F.append(('igmp v2 general query', ip_eth(D,'224.0.0.1',2,igmp(0x11,100,'0.0.0.0'),ttl=1,opts=ra)))
F.append(('igmp v2 group query', ip_eth(D,'239.1.1.1',2,igmp(0x11,10,'239.1.1.1'),ttl=1,opts=ra)))
F.append(('igmp v1 query', ip_eth(D,'224.0.0.1',2,igmp(0x11,0,'0.0.0.0'),ttl=1)))
F.append(('igmp v3 general query', ip_eth(D,'224.0.0.1',2,igmp(0x11,100,'0.0.0.0',struct.pack('!BBH',2,125,0)),ttl=1,opts=ra)))
F.append(('igmp v3 group query with sources', ip_eth(D,'239.1.1.1',2,igmp(0x11,50,'239.1.1.1',struct.pack('!BBH',2,125,2)+ip('10.0.0.1')+ip('10.0.0.2')),ttl=1,opts=ra)))
F.append(('igmp v3 query long max resp', ip_eth(D,'224.0.0.1',2,igmp(0x11,0x8f,'0.0.0.0',struct.pack('!BBH',2,125,0)),ttl=1,opts=ra)))
F.append(('igmp unknown', ip_eth(D,'224.0.0.1',2,igmp(0x33,0,'0.0.0.0'),ttl=1)))
# TCP
T='198.51.100.1'
F.append(('tcp syn-ack', ip_eth(S,T,6,tcp(S,T,40000,80,1000,5000,0x12,64240,b'\x02\x04\x05\xb4'))))
sack=b'\x01\x01\x05\x12'+struct.pack('!IIII',5000+100,5000+200,5000+300,5000+400)
F.append(('tcp ack with sack (relative)', ip_eth(S,T,6,tcp(S,T,40000,80,1001,5001,0x10,500,sack))))
F.append(('tcp reply direction with sack', ip_eth(T,S,6,tcp(T,S,80,40000,5001,1001,0x10,500,b'\x01\x01\x05\x0a'+struct.pack('!II',1100,1200)))))
F.append(('tcp urg ece cwr with data', ip_eth(S,T,6,tcp(S,T,40001,81,7,9,0xe8,100,data=b'hello',urg=3))))
F.append(('tcp no flags', ip_eth(S,T,6,tcp(S,T,40002,82,7,9,0x00,100))))
F.append(('tcp unknown and eol options', ip_eth(S,T,6,tcp(S,T,40003,83,7,9,0x02,100,b'\xfd\x04\xab\xcd\x01\x00\x03\x03'))))
F.append(('tcp echo option and bad length', ip_eth(S,T,6,tcp(S,T,40004,84,7,9,0x02,100,b'\x06\x06\x00\x00\x00\x07\x03\x04\x07\x00'))))
F.append(('tcp data offset too short', ip_eth(S,T,6,tcp(S,T,40005,85,7,9,0x02,100,doff=16))))
F.append(('tcp data offset too long', ip_eth(S,T,6,tcp(S,T,40006,86,7,9,0x02,100,doff=60))))
F.append(('tcp rst without ack', ip_eth(T,S,6,tcp(T,S,86,40006,0,0,0x04,0))))
# UDP
F.append(('udp bad length', ip_eth(S,D,17,udp(S,D,1234,5678,b'abcd',ulen=40))))
F.append(('udp truncated length', ip_eth(S,D,17,udp(S,D,1234,5678,b'abcd',ulen=4))))
F.append(('udp first fragment', ip_eth(S,D,17,udp(S,D,1234,5678,b'a'*24)[:16],frag=0x2000,tot=36)))
F.append(('udp later fragment', ip_eth(S,D,17,b'b'*16,frag=0x0003)))
F.append(('bootp with non-ethernet htype', ip_eth('0.0.0.0','255.255.255.255',17,udp('0.0.0.0','255.255.255.255',68,67,struct.pack('!BBBB',1,6,6,0)+b'\0'*232+b'\x63\x82\x53\x63\xff'))))
F.append(('bootp unknown op', ip_eth('0.0.0.0','255.255.255.255',17,udp('0.0.0.0','255.255.255.255',68,67,struct.pack('!BBBB',3,1,6,0)+b'\0'*232+b'\x63\x82\x53\x63\xff'))))
# IP oddities
F.append(('ip version 6 in an IPv4 frame', eth(B,A,0x0800,ipv4(S,D,17,b'\0'*8,ver=6))))
F.append(('ip version 5', eth(B,A,0x0800,ipv4(S,D,17,b'\0'*8,ver=5))))
F.append(('ip truncated', eth(B,A,0x0800,ipv4(S,D,1,echo,tot=200))))
F.append(('ip bad total length', eth(B,A,0x0800,ipv4(S,D,1,echo,tot=12))))
F.append(('ip unknown protocol', ip_eth(S,D,253,b'\0'*10)))
F.append(('unknown ethertype', eth(BC,A,0x88b5,b'natlab'+b'\0'*40)))
#F.append(('ipv6 ethertype', eth(BC,A,0x86dd,b'\x60'+b'\0'*39)))
#F.append(('802.3 length field', eth(mac('01:80:c2:00:00:00'),A,38,b'\x42\x42\x03'+b'\0'*35)))
F.append(('short frame', A+B))
# pcap
out=struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1)
for i,(n,f) in enumerate(F): out+=struct.pack('<IIII',i,0,len(f),len(f))+f
open('/tmp/nlA/syn/syn.pcap','wb').write(out)
r=subprocess.run(['tcpdump','-t','-e','-n','-r','/tmp/nlA/syn/syn.pcap'],capture_output=True,text=True).stdout
lines=[]
for l in r.split('\n'):
    if l.startswith('\t') or l=='' : continue
    lines.append(l)
assert len(lines)==len(F),(len(lines),len(F))
import json
json.dump([(n,f.hex(),l) for (n,f),l in zip(F,lines)],open('/tmp/nlA/syn/syn.json','w'),indent=0)
for (n,f),l in zip(F,lines): print(n,'|',l) if 'unknown prot' in n else None
