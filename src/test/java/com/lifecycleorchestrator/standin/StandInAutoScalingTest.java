package com.lifecycleorchestrator.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.standin.StandInAutoScaling.Cause;
import com.lifecycleorchestrator.standin.StandInAutoScaling.Ending;
import com.lifecycleorchestrator.standin.StandInAutoScaling.Hook;
import com.lifecycleorchestrator.testkit.VirtualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.lifecycle.BeforeTry;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Lifecycle hooks' rules as the stand-in keeps them, on its operations directly: a heartbeat
 * restarts the heartbeat timeout, the global timeout ends the wait whatever the heartbeats, a
 * timeout applies the hook's default result, and a completed action is active no more.
 */
class StandInAutoScalingTest {

  private static final Instant T0 = Instant.parse("2026-11-25T13:00:00Z");
  private static final String GROUP = "web-asg";
  private static final String HOOK = "graceful-exit";
  private static final String INSTANCE = "i-0a1b2c3d4e5f67890";
  private static final String TOKEN = "87654321-4321-4321-4321-210987654321";

  // jqwik runs every try of a property on one instance: each try starts these afresh.
  private VirtualClock clock;
  private StandInAutoScaling autoScaling;

  @BeforeTry
  @BeforeEach
  void freshAutoScaling() {
    clock = new VirtualClock(T0);
    autoScaling = new StandInAutoScaling(clock, new Protocol.AwsQuery("2011-01-01", "urn:test"));
  }

  /**
   * Heartbeats come after the gaps given (in percent of the heartbeat timeout); the action must end
   * exactly when the first gap reaches the timeout, or when the global timeout passes, whichever
   * comes first, with the default result, and every heartbeat after that must be refused.
   */
  @Property(tries = 300)
  void anActionTimesOutExactlyWhenItsHeartbeatsStopOrItsGlobalTimeoutPasses(
      @ForAll("heartbeatTimeouts") int timeoutSeconds, @ForAll("gapsInPercent") List<Integer> gapsInPercent) {
    autoScaling.hook(Hook.terminating(GROUP, HOOK, Duration.ofSeconds(timeoutSeconds), "CONTINUE"))
        .hold(GROUP, HOOK, INSTANCE, TOKEN, T0);
    Instant global = T0.plus(Duration.ofSeconds(Math.min(172_800L, 100L * timeoutSeconds)));
    Instant lastHeartbeat = T0;
    Ending expected = null;
    for (int percent : gapsInPercent) {
      clock.advance(Duration.ofMillis(timeoutSeconds * 10L * percent));
      Instant heartbeatDeadline = lastHeartbeat.plusSeconds(timeoutSeconds);
      if (expected == null && !clock.now().isBefore(heartbeatDeadline.isBefore(global) ? heartbeatDeadline : global)) {
        expected = heartbeatDeadline.isBefore(global)
            ? new Ending("CONTINUE", Cause.HEARTBEAT_TIMEOUT, heartbeatDeadline)
            : new Ending("CONTINUE", Cause.GLOBAL_TIMEOUT, global);
      }
      if (expected == null) {
        heartbeat();
        lastHeartbeat = clock.now();
      } else {
        ServiceError refused = assertThrows(ServiceError.class, this::heartbeat);
        assertEquals("No active Lifecycle Action found with token " + TOKEN, refused.getMessage());
      }
    }
    clock.advance(Duration.ofHours(49));
    Instant heartbeatDeadline = lastHeartbeat.plusSeconds(timeoutSeconds);
    if (expected == null) {
      expected = heartbeatDeadline.isBefore(global)
          ? new Ending("CONTINUE", Cause.HEARTBEAT_TIMEOUT, heartbeatDeadline)
          : new Ending("CONTINUE", Cause.GLOBAL_TIMEOUT, global);
    }
    assertEquals(Optional.of(expected), autoScaling.ending(TOKEN));
    assertEquals(Optional.empty(), autoScaling.lifecycleState(INSTANCE));
    Statistics.collect(expected.cause());
    Statistics.coverage(checker -> {
      checker.check(Cause.HEARTBEAT_TIMEOUT).percentage(share -> share > 20);
      checker.check(Cause.GLOBAL_TIMEOUT).percentage(share -> share > 1);
    });
  }

  /** Any timeout Auto Scaling allows, spread evenly: the 48-hour cap of the global timeout matters above 1728 s. */
  @Provide
  Arbitrary<Integer> heartbeatTimeouts() {
    return Arbitraries.integers().between(30, 7200).withDistribution(RandomDistribution.uniform());
  }

  /**
   * Runs of heartbeats in time, long enough to reach the global timeout, and in half of them one
   * heartbeat too late somewhere.
   */
  @Provide
  Arbitrary<List<Integer>> gapsInPercent() {
    Arbitrary<List<Integer>> inTime = Arbitraries.integers().between(40, 99)
        .list().ofMaxSize(200).withSizeDistribution(RandomDistribution.uniform());
    Arbitrary<Optional<Integer>> late = Arbitraries.integers().between(100, 150).optional(0.5);
    return Combinators.combine(inTime, late, Arbitraries.doubles().between(0, 1)).as((gaps, lateGap, where) -> {
      List<Integer> all = new ArrayList<>(gaps);
      lateGap.ifPresent(gap -> all.add((int) (where * all.size()), gap));
      return all;
    });
  }

  @Test
  void theGlobalTimeoutIsAHundredHeartbeatTimeoutsAtMostFortyEightHours() {
    assertEquals(Duration.ofSeconds(6000), Hook.terminating(GROUP, HOOK, Duration.ofSeconds(60), "ABANDON").globalTimeout());
    assertEquals(Duration.ofHours(48), Hook.terminating(GROUP, HOOK, Duration.ofHours(2), "ABANDON").globalTimeout());
  }

  @Test
  void aTerminatingInstanceWaitsAndLeavesTheGroupWhenItsActionIsCompleted() {
    autoScaling.hook(Hook.terminating(GROUP, HOOK, Duration.ofHours(1), "ABANDON")).hold(GROUP, HOOK, INSTANCE, TOKEN, T0);
    assertEquals(Optional.of("Terminating:Wait"), autoScaling.lifecycleState(INSTANCE));

    complete("ABANDON");

    assertEquals(Optional.of(new Ending("ABANDON", Cause.COMPLETED, T0)), autoScaling.ending(TOKEN));
    assertEquals(Optional.empty(), autoScaling.lifecycleState(INSTANCE));
    ServiceError again = assertThrows(ServiceError.class, () -> complete("ABANDON"));
    assertEquals("ValidationError", again.code());
  }

  @Test
  void aLaunchingInstanceGoesInServiceOnContinueAndIsTerminatedOnAbandon() {
    autoScaling.hook(Hook.launching(GROUP, "warm-up", Duration.ofMinutes(5), "ABANDON"))
        .hold(GROUP, "warm-up", INSTANCE, TOKEN, T0)
        .hold(GROUP, "warm-up", "i-0b1b2c3d4e5f67890", "11111111-2222-3333-4444-555555555555", T0);
    assertEquals(Optional.of("Pending:Wait"), autoScaling.lifecycleState(INSTANCE));

    call("CompleteLifecycleAction", request("warm-up").put("LifecycleActionToken", TOKEN)
        .put("LifecycleActionResult", "CONTINUE"));
    clock.advance(Duration.ofMinutes(5));

    assertEquals(Optional.of("InService"), autoScaling.lifecycleState(INSTANCE));
    assertEquals(Optional.empty(), autoScaling.lifecycleState("i-0b1b2c3d4e5f67890"));
  }

  @Test
  void aResultOtherThanContinueOrAbandonIsRefused() {
    autoScaling.hook(Hook.terminating(GROUP, HOOK, Duration.ofHours(1), "ABANDON")).hold(GROUP, HOOK, INSTANCE, TOKEN, T0);

    ServiceError refused = assertThrows(ServiceError.class, () -> complete("RETRY"));

    assertEquals("ValidationError", refused.code());
    assertEquals(Optional.empty(), autoScaling.ending(TOKEN));
  }

  private void heartbeat() {
    call("RecordLifecycleActionHeartbeat", request(HOOK).put("LifecycleActionToken", TOKEN));
  }

  private void complete(String result) {
    call("CompleteLifecycleAction", request(HOOK).put("LifecycleActionToken", TOKEN).put("LifecycleActionResult", result));
  }

  private static ObjectNode request(String hook) {
    return Protocol.JSON.createObjectNode().put("AutoScalingGroupName", GROUP).put("LifecycleHookName", hook);
  }

  private void call(String operation, ObjectNode input) {
    autoScaling.operations().get(operation).call(input);
  }
}
