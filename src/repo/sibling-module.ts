// Worker threads load a module by URL. In development Node runs our .ts files directly; a
// built package runs the compiled .js: the worker's file has the same extension as its caller.

export function siblingModule(callerUrl: string, name: string): URL {
  const ext = callerUrl.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, callerUrl);
}
