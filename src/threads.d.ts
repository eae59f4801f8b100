/** `import source from './module.js?thread'`: the module compiled into the source of a worker thread (scripts/thread-source.mjs). */
declare module '*?thread' {
  const source: string;
  export default source;
}
