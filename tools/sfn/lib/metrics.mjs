// Counting what an execution costs and how close it comes to the quotas, from the library's event log.
//
// State transitions (the billing unit of STANDARD workflows): every state entered, plus every retry
// (a retry is a transition back into the state; AWS bills it). = StateEntered + StateRetried events.
//
// History events (the 25,000-event quota of a STANDARD execution) are modelled on the service's history:
//   execution      ExecutionStarted + ExecutionSucceeded|Failed                    2
//   every state    <Type>StateEntered + <Type>StateExited (Fail: entered only)      2
//   Task attempt   TaskScheduled + TaskStarted + TaskSucceeded|TaskFailed           3 per attempt
//   Distributed Map (the adapter's Task)  MapRunStarted + MapRunSucceeded|Failed    2 per attempt
//   inline Map     MapStateStarted + MapStateSucceeded                             2 per entry
//                  + MapIterationStarted + MapIterationSucceeded|Failed per item   2 per item
// Child executions of a Distributed Map have their own history (EXPRESS: none kept, no quota), so they
// are counted per child record, not in the parent.

export function transitions(record) {
  return record.events.filter((e) => e.type === 'StateEntered' || e.type === 'StateRetried').length;
}

export function historyEvents(record, distributedMapStates = new Set()) {
  let n = 0;
  for (const e of record.events) {
    switch (e.type) {
      case 'ExecutionStarted': case 'ExecutionSucceeded': case 'ExecutionFailed': n += 1; break;
      case 'MapIterationStarted': case 'MapIterationSucceeded': case 'MapIterationFailed': n += 1; break;
      case 'StateEntered':
        n += 1;
        if (e.state.type === 'Task') n += distributedMapStates.has(e.state.name) ? 2 : 3;
        if (e.state.type === 'Map') n += 2;
        break;
      case 'StateExited': n += 1; break;
      case 'StateRetried':
        if (e.state.type === 'Task') n += distributedMapStates.has(e.state.name) ? 2 : 3;
        break;
      default: break;
    }
  }
  return n;
}

/** Largest JSON state input/output/execution input/output in bytes, with where it was seen. */
export function largestPayload(records) {
  let best = { bytes: 0, where: '' };
  const see = (value, where) => {
    if (value === undefined) return;
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes > best.bytes) best = { bytes, where };
  };
  for (const r of records) {
    for (const e of r.events) {
      if (e.type === 'ExecutionStarted') see(e.input, `${r.type} execution input`);
      if (e.type === 'ExecutionSucceeded') see(e.output, `${r.type} execution output`);
      if (e.type === 'StateEntered') see(e.state.input, `${e.state.name} input`);
      if (e.type === 'StateExited') see(e.state.output, `${e.state.name} output`);
    }
  }
  return best;
}

export const statesVisited = (record) => record.events.filter((e) => e.type === 'StateEntered').map((e) => e.state.name);
export const retriesOf = (record, stateName) => record.events.filter((e) => e.type === 'StateRetried' && e.state.name === stateName).length;
