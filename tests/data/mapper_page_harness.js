// runs the page's script against a stub DOM; prints what the page put in its panels
const fs = require('fs');
const text = fs.readFileSync(process.argv[2], 'utf8');
const data = text.match(/<script type="application\/json" id="mapper-data">([\s\S]*?)<\/script>/)[1];
const js = text.match(/<script>([\s\S]*?)<\/script>/)[1];
const listeners = {};
function el(id){ return { id, textContent: '', innerHTML: '', value: '', checked: true, children: [], style: {},
  clientWidth: 1200, clientHeight: 700,
  appendChild(c){ this.children.push(c); if (this.tag==='select' && this.value==='' ) this.value = c.value; },
  addEventListener(t, f){ (listeners[id+':'+t] = listeners[id+':'+t] || []).push(f); },
  getBoundingClientRect(){ return {left:0, top:0}; },
  getContext(){ return new Proxy({}, {get:(o,k)=> k in o ? o[k] : ()=>{}, set:(o,k,v)=>{o[k]=v; return true;}}); } }; }
const els = {};
['canvas','tip','mode','layer','color','links','legend','node','members','findings'].forEach(i=>{els[i]=el(i);});
['mode','layer','color'].forEach(i=>{els[i].tag='select';});
els.mode.value='all';
els['mapper-data'] = {textContent: data};
global.document = { getElementById: id => els[id],
  createElement: t => ({tag:t, textContent:'', innerHTML:'', style:{}, value:'', children:[], appendChild(c){ this.children.push(c); }}) };
const text_of = e => e ? (e.textContent || (e.children||[]).map(text_of).join('')) : undefined;
global.window = { devicePixelRatio: 1, addEventListener(){} };
eval(js);
const D = JSON.parse(data);
// click at the first node of the first layer: the page placed it, so find it through a mousemove sweep
const W = 1200, shown = D.layers.length, cw = W / shown, pad = 24, h = 700 - 2*pad - 16;
const n0 = D.layers[0].nodes[0];
const x = 0*cw + pad + n0.x*(cw-2*pad), y = pad + 16 + (1-n0.y)*h;
listeners['canvas:click'].forEach(f=>f({clientX:x, clientY:y}));
listeners['canvas:mousemove'].forEach(f=>f({clientX:x, clientY:y}));
els.color.value = els.color.children[els.color.children.length-2].value; listeners['color:change'].forEach(f=>f());
console.log(JSON.stringify({node: els.node.textContent, members: els.members.children.length,
  first: text_of(els.members.children[0]), tip: els.tip.textContent,
  img: els.members.children[0] && (els.members.children[0].children||[]).filter(c=>c.tag==='img').map(c=>c.src.slice(0, 22))[0],
  options: els.color.children.map(c=>c.value), findings: els.findings.children.length, legend: els.legend.textContent}));
