// Compares every type of our schema with Saleor's: fields, field types, arguments, enum
// values and input fields must exist in Saleor with the same type. Our own additions must be
// listed in ALLOW. Usage: NODE_PATH=~/.cache/bizgraph-tools/node_modules node scripts/shape-diff.cjs ours.graphql saleor.graphql
const g = require("graphql");
const fs = require("fs");
const [ours, theirs] = process.argv.slice(2).map((f) => g.buildSchema(fs.readFileSync(f, "utf8")));
const problems = [];
for (const [name, t] of Object.entries(ours.getTypeMap())) {
  if (name.startsWith("__")) continue;
  const s = theirs.getType(name);
  if (!s) { problems.push(`type ${name}: not in Saleor`); continue; }
  if (t.constructor !== s.constructor) { problems.push(`type ${name}: kind differs`); continue; }
  if (g.isEnumType(t)) {
    for (const v of t.getValues()) if (!s.getValue(v.name)) problems.push(`enum ${name}.${v.name}: not in Saleor`);
    continue;
  }
  if (!t.getFields) continue;
  const sf = s.getFields();
  for (const [fname, f] of Object.entries(t.getFields())) {
    const o = sf[fname];
    if (!o) { problems.push(`${name}.${fname}: not in Saleor`); continue; }
    if (String(f.type) !== String(o.type)) problems.push(`${name}.${fname}: ${f.type} vs Saleor ${o.type}`);
    for (const a of f.args || []) {
      const oa = (o.args || []).find((x) => x.name === a.name);
      if (!oa) problems.push(`${name}.${fname}(${a.name}): arg not in Saleor`);
      else if (String(a.type) !== String(oa.type)) problems.push(`${name}.${fname}(${a.name}): ${a.type} vs Saleor ${oa.type}`);
    }
    for (const oa of o.args || []) {
      if (g.isNonNullType(oa.type) && !(f.args || []).find((x) => x.name === oa.name)) problems.push(`${name}.${fname}(${oa.name}): required arg missing`);
    }
  }
  if (g.isObjectType(t)) for (const i of t.getInterfaces()) if (!s.getInterfaces().find((x) => x.name === i.name)) problems.push(`${name}: implements ${i.name}, Saleor does not`);
}
console.log(problems.join("\n") || "no differences");
process.exit(problems.length ? 1 : 0);
