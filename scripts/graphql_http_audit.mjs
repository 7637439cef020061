import { auditServer } from 'graphql-http';
const url = process.argv[2];
const results = await auditServer({ url });
let errors = 0, warnings = 0;
for (const r of results) {
  if (r.status === 'error') { errors++; console.log('ERROR', r.id, r.name, r.reason); }
  else if (r.status === 'warn') { warnings++; console.log('WARN ', r.id, r.name, r.reason); }
}
console.log(`audits=${results.length} ok=${results.length - errors - warnings} errors=${errors} warnings=${warnings}`);
process.exit(errors + warnings > 0 ? 1 : 0);
