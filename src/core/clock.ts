// Time, injected: use-cases, the scheduler and alert rules read the clock they are given, so
// tests drive time instead of sleeping.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
