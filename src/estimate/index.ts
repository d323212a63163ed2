/** The cost estimator: model profiles, billing rules, calibration, overrides, the estimate and its recommendation. */
export * from './billing';
export * from './batch';
export * from './calibration';
export * from './duration';
export * from './estimator';
export * from './measurement';
export * from './money';
export * from './overhead';
export * from './overrides';
export * from './profiles';
export * from './recommend';
export * from './throughput';
