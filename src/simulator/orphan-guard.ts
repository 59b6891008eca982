/**
 * Preloaded (`node -r`) into the hub the simulator starts: the hub exits when the simulator's IPC
 * channel closes, so a simulator that is SIGKILLed does not leave a hub holding its port and store.
 * The simulator's own clean-up stops the hub in every other case.
 */
process.on('disconnect', () => process.exit(1));
