/** The bundled GPU catalog: prices, billing terms and throughput, as data with a date and source per row. */
export * from './schema';
export * from './load';
export * from './offers';
export * from './gpu-names';
