package com.lifecycleorchestrator.simulation;

import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.testkit.FakeAutomations.Script;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One scale-in: N instances held at the hook at once, each with the runbook it will run. Runbook
 * durations are drawn from a mix with a long tail: most archive their logs in a minute or two, some
 * take many minutes, and a few run for hours, longer than one Lambda invocation.
 */
final class Workload {

  /** One held instance and what its runbook will do. */
  record Instance(LifecycleAction action, Script script) {
    LifecycleResult rightResult() {
      String last = script.steps().get(script.steps().size() - 1).status();
      return new Runbook.Status(last).state() == Runbook.State.SUCCEEDED
          ? LifecycleResult.CONTINUE
          : LifecycleResult.ABANDON;
    }
  }

  private final List<Instance> instances;
  private final Map<String, Script> scriptByInstance = new HashMap<>();

  Workload(int count, Instant scaleIn, long seed) {
    Random random = new Random(seed);
    instances = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      LifecycleAction action = new LifecycleAction(LifecycleAction.Transition.TERMINATING,
          new LifecycleAction.GroupName("web-asg"), new LifecycleAction.HookName("graceful-exit"),
          new LifecycleAction.InstanceId(String.format("i-%017x", 0x0a00000000000000L + i)),
          new LifecycleAction.Token(String.format("%08x-4321-4321-4321-%012x", seed & 0xffffffffL, i)),
          scaleIn);
      Script script = Script.runsThen(duration(random), finalStatus(random));
      instances.add(new Instance(action, script));
      scriptByInstance.put(action.instance().value(), script);
    }
  }

  List<Instance> instances() {
    return instances;
  }

  /** The runbook each start runs, by the instance it names. */
  Script scriptFor(Runbook.Start start) {
    return scriptByInstance.get(start.parameters().get(Runbook.INSTANCE_PARAMETER).get(0));
  }

  private static Duration duration(Random random) {
    double draw = random.nextDouble();
    if (draw < 0.60) {
      return seconds(random, 20, 120);
    }
    if (draw < 0.85) {
      return seconds(random, 120, 600);
    }
    if (draw < 0.95) {
      return seconds(random, 600, 1800);
    }
    return seconds(random, 1800, 7200);
  }

  private static String finalStatus(Random random) {
    double draw = random.nextDouble();
    return draw < 0.05 ? "Failed" : draw < 0.06 ? "TimedOut" : "Success";
  }

  private static Duration seconds(Random random, int from, int to) {
    return Duration.ofMillis((long) ((from + random.nextDouble() * (to - from)) * 1000));
  }
}
