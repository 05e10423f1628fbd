// Preloaded (`--import`) into a CLI process under test: on exit, writes the process's peak RSS
// in KiB (getrusage ru_maxrss: the high-water mark of the whole process, all threads) to the
// file named by LIFEBOAT_TEST_PEAK_RSS_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.LIFEBOAT_TEST_PEAK_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
