// heapsnapshot_check.js: load refheap's .heapsnapshot with memlab's own
// parser (@memlab/core, the library behind memlab's CLI and its heap
// analyses) and report what memlab sees, as JSON on stdout. Used by
// heapsnapshot.sh.
//
//   NODE_PATH=.../node_modules node heapsnapshot_check.js FILE ID WATCHED_ID WEAKREF_ID [ID...]
//
// Printed: node and edge counts; for node ID its name, self and retained
// size (memlab's own dominator computation) and its shortest retainer path
// (memlab's annotateShortestPaths) as edge names from the root; whether a
// weak edge leads from WEAKREF_ID to WATCHED_ID; the retained size of
// each further ID.
'use strict';
const { utils, TraceFinder } = require('@memlab/core');

(async () => {
  const [file, id, watched, weakref, ...more] = process.argv.slice(2).map((x, i) => (i ? Number(x) : x));
  const snap = await utils.getSnapshotFromFile(file, { buildNodeIdIndex: true });
  const finder = new TraceFinder();
  finder.annotateShortestPaths(snap);
  finder.calculateAllNodesRetainedSizes(snap);
  const out = { nodes: snap.nodes.length, edges: snap.edges.length };
  let weakEdges = 0, strongObjectEdges = 0;
  snap.edges.forEach((e) => {
    if (e.type === 'weak') weakEdges++;
    else if (e.fromNode.type !== 'synthetic') strongObjectEdges++;
  });
  out.weak_edges = weakEdges;
  out.strong_object_edges = strongObjectEdges;
  const node = snap.getNodeById(id);
  if (node) {
    const path = [];
    let n = node;
    for (let k = 0; n && n.pathEdge && k < 1000; k++) {
      path.unshift({ edge: String(n.pathEdge.name_or_index), type: n.pathEdge.type, to: n.name,
                     to_id: n.id, from_name: n.pathEdge.fromNode.name,
                     from_synthetic: n.pathEdge.fromNode.type === 'synthetic' &&
                                     n.pathEdge.toNode.type === 'synthetic' });
      n = n.pathEdge.fromNode;
    }
    out.node = { name: node.name, self_size: node.self_size, retained: node.retainedSize,
                 path, path_from: n ? n.name : null };
  }
  const wr = snap.getNodeById(weakref);
  out.weak = null;
  if (wr)
    wr.references.forEach((e) => {
      if (e.toNode.id === watched) out.weak = { type: e.type, name: String(e.name_or_index) };
    });
  out.retained_of = {};
  for (const m of more) {
    const n = snap.getNodeById(m);
    out.retained_of[m] = n ? n.retainedSize : null;
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(String(e && e.stack || e)); process.exit(2); });
