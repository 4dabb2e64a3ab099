// watch test fixture (Node.js): leaks 1 MiB of strings every 100 ms into a global
// array (leak), or allocates and drops them (clean: a GC saw-tooth).
// Usage: node leak_memory.js leak|clean
const mode = process.argv[2] || 'leak';
globalThis.kept = [];
setInterval(() => {
  const chunk = [];
  for (let i = 0; i < 1024; i++) chunk.push('x'.repeat(1000) + i);
  if (mode === 'leak') globalThis.kept.push(chunk);
}, 100);
