package com.lifecycleorchestrator.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Automation splices each parameter into the script as plain text, where it stands between single
 * quotes. A quote in a value would end the quoting and hand the rest of the value to the shell as
 * code; so no value that any of the script's parameters admits may contain one.
 */
class LogArchiveRunbookQuotingTest {

  private static final LogArchiveRunbook RUNBOOK = LogArchiveRunbook.of(Deployment.DEFAULTS.template());

  /** A value each parameter of the script admits, to slip a quote into. */
  private static final Map<String, String> ADMITTED = Map.of(
      "InstanceId", "i-0a1b2c3d4e5f67890",
      "AutoScalingGroupName", "web asg",
      "BucketName", "acme-instance-logs",
      "Prefix", "lifecycle-logs/prod",
      "LogPaths", "/var/log/app.log,/var/log/app/*.log");

  @Example
  void everyParameterOfTheScriptHasAnAdmittedExample() {
    assertEquals(RUNBOOK.parametersInScript(), ADMITTED.keySet());
    ADMITTED.forEach((name, value) -> assertTrue(RUNBOOK.allowedPattern(name).matcher(value).matches(), name));
  }

  @Property(tries = 2000)
  void noParameterOfTheScriptAdmitsAQuote(@ForAll("parametersOfTheScript") String name,
      @ForAll @IntRange(max = 40) int position, @ForAll("textWithAQuote") String inserted) {
    String admitted = ADMITTED.get(name);
    int at = Math.min(position, admitted.length());
    String value = admitted.substring(0, at) + inserted + admitted.substring(at);

    assertFalse(RUNBOOK.allowedPattern(name).matcher(value).matches(), name + " admits " + value);
  }

  @Provide
  Arbitrary<String> parametersOfTheScript() {
    return Arbitraries.of(RUNBOOK.parametersInScript());
  }

  /** A quote, alone or among characters the patterns otherwise admit. */
  @Provide
  Arbitrary<String> textWithAQuote() {
    Arbitrary<String> around = Arbitraries.strings().withChars("abcz09_.-/*, ").ofMaxLength(4);
    return Combinators.combine(around, around).as((before, after) -> before + "'" + after);
  }
}
