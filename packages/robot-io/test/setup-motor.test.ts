import { describe, expect, it } from 'vitest';
import { openPtyPair } from '../src/bus/pty-pair.js';
import { ServoEmulator } from '../src/bus/servo-emulator.js';
import { setupMotor } from '../src/bus/setup-motor.js';

// A pty carries bytes at any baud, so the emulator answers at every rate: the search finds the
// motor at the first baud tried. What is checked is what gets written to the servo.
describe('setupMotor over a socat pty pair', () => {
  it.each([
    ['dynamixel', 'xl330-m288', 1, 3] as const,
    ['feetech', 'sts3215', 1, 0] as const,
  ])('%s: gives a lone factory-fresh motor its id and baud', async (protocol, model, factoryId, code) => {
    const pty = await openPtyPair();
    const emulator = await ServoEmulator.open(pty.b, protocol, [{ id: factoryId, model }]);
    try {
      emulator.setRegister(factoryId, 'Baud_Rate', protocol === 'dynamixel' ? 1 : 4); // 57,600 / 115,200
      emulator.setRegister(factoryId, 'Torque_Enable', 1);
      const result = await setupMotor(pty.a, protocol, { id: 5, model, searchBauds: [57_600], bus: { timeoutMs: 250 } });
      expect(result).toEqual({ previousId: factoryId, previousBaud: 57_600, id: 5, baud: 1_000_000 });
      expect(emulator.registerValue(5, 'ID')).toBe(5);
      expect(emulator.registerValue(5, 'Baud_Rate')).toBe(code);
      expect(emulator.registerValue(5, 'Torque_Enable')).toBe(0);
      expect(() => emulator.registerValue(factoryId, 'ID')).toThrow(/no servo with id 1/);
    } finally {
      await emulator.close();
      await pty.close();
    }
  });

  it('refuses a bus with more than one motor, and the wrong model', async () => {
    const pty = await openPtyPair();
    const emulator = await ServoEmulator.open(pty.b, 'feetech', [{ id: 1, model: 'sts3215' }, { id: 2, model: 'sts3215' }]);
    try {
      await expect(setupMotor(pty.a, 'feetech', { id: 3, model: 'sts3215', bus: { timeoutMs: 250 } })).rejects.toThrow(/found ids 1, 2 at 1000000 baud; connect only the motor/);
      await expect(setupMotor(pty.a, 'dynamixel', { id: 3, model: 'sts3215' })).rejects.toThrow(/sts3215 is a feetech servo, not dynamixel/);
      await expect(setupMotor(pty.a, 'feetech', { id: 3, model: 'sts3215', baud: 12345 })).rejects.toThrow(/baud 12345 has no Baud_Rate code/);
    } finally {
      await emulator.close();
      await pty.close();
    }
  });
});
