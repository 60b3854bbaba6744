// A DC motor behind an H-bridge with two PWM inputs: IN1 driven opens, IN2 driven closes, both
// low coast, both high brake. The side not driven is released before the other is driven, so
// the bridge never sees both inputs pulse at once. (The dead time between directions is kept
// by the valve's motion control, which owns the clock.)

export interface HBridge {
  open(duty: number): void;
  close(duty: number): void;
  coast(): void;
  brake(): void;
}

/** The bridge on its two inputs, coasting. (A closure, not a class: it minifies smaller.) */
export function hBridge(in1: Pin, in2: Pin, freq: number): HBridge {
  const pwm = { freq: freq };
  const both = (level: number) => {
    digitalWrite(in1, level);
    digitalWrite(in2, level);
  };
  both(0);
  return {
    open: (duty) => {
      digitalWrite(in2, 0);
      analogWrite(in1, duty, pwm);
    },
    close: (duty) => {
      digitalWrite(in1, 0);
      analogWrite(in2, duty, pwm);
    },
    coast: () => both(0),
    brake: () => both(1),
  };
}
