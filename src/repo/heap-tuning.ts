// Keeps V8's young generation from growing (semi-space growth factor 1). V8 doubles it whenever
// much of it survives a scavenge, up to 3 × 32 MiB and more: that held 50–120 MB of RSS in
// backups and restores whose live heap was 20–30 MB, and the memory we promise is 250 MB for
// every command. Small semi-spaces cost a few more scavenges, each cheap on these heaps. Only
// this flag can change at run time (--max-semi-space-size cannot), and it only stops growth that
// has not happened yet: the process entry imports this module first, before anything allocates.

import { setFlagsFromString } from 'node:v8';

try {
  setFlagsFromString('--semi-space-growth-factor=1');
} catch {
  // not a V8 that knows the flag: memory is then what V8 makes of it
}
