// aws-local-stepfunctions 3.0.0 calls Promise.withResolvers (TaskStateAction), which Node 20 lacks
// (it arrived in Node 22). Imported before the library by harness.mjs and evaluate.mjs.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
