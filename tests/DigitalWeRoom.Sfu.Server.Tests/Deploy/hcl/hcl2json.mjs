// Parses each HCL file given on the command line with @cdktf/hcl2json (HashiCorp's hcl/v2 parser as WebAssembly)
// and prints {"<file>": <json>, ...}. Exits 2 with the parser's message when a file does not parse.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const { parse } = require('@cdktf/hcl2json');

const out = {};
for (const file of process.argv.slice(2)) {
  try {
    out[file] = await parse(file, readFileSync(file, 'utf8'));
  } catch (err) {
    process.stderr.write(String(err && err.message ? err.message : err) + '\n');
    process.exit(2);
  }
}
process.stdout.write(JSON.stringify(out));
