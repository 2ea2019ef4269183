package com.lifecycleorchestrator.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.adapters.AwsClients;
import com.lifecycleorchestrator.core.Clock;
import com.lifecycleorchestrator.deployment.SamLocalFunction;
import com.lifecycleorchestrator.settings.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * {@code sam local invoke OrchestratorFunction --env-vars sam-local-env.json --event events/<sample>}
 * as the README gives it: SAM resolves the template's variables locally as its CLI does (see
 * {@link SamLocalFunction}), which the settings would refuse; the env file overrides each variable
 * SAM cannot resolve, and with it the function is built and reads every sample in {@code events/}.
 */
class SamLocalInvokeTest {

  private static final Path EVENTS = Path.of("events");
  /** The samples that show how the function refuses a bad event. */
  private static final String MALFORMED = "malformed";

  @Test
  void withoutTheEnvFileTheSettingsRefuseWhatSamResolvesLocally() {
    Settings.InvalidSettings refused = assertThrows(Settings.InvalidSettings.class,
        () -> Settings.from(withRegion(SamLocalFunction.resolvedBySam())));

    assertTrue(refused.problems().stream().anyMatch(problem -> problem.startsWith(Settings.WAITING_ROOM_QUEUE_URL)),
        refused.getMessage());
  }

  @Test
  void theEnvFileOverridesEveryVariableSamCannotResolveAndOnlyVariablesTheTemplateDeclares() {
    Set<String> overridden = SamLocalFunction.envFileOverrides().keySet();

    assertEquals(SamLocalFunction.unresolvableLocally(), Set.copyOf(overridden));
    assertTrue(SamLocalFunction.resolvedBySam().keySet().containsAll(overridden),
        "SAM ignores an env file's variable the template does not declare");
  }

  static Stream<Path> samples() throws IOException {
    try (Stream<Path> files = Files.list(EVENTS)) {
      List<Path> samples = files.filter(file -> file.toString().endsWith(".json")).sorted().toList();
      assertFalse(samples.isEmpty(), "no sample event in " + EVENTS);
      return samples.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("samples")
  void withTheEnvFileTheFunctionIsBuiltAndReadsTheSample(Path sample) throws IOException {
    Settings settings = Settings.from(SamLocalFunction.withEnvFile());
    LifecycleHandler handler = LifecycleHandler.wiredTo(settings,
        AwsClients.of(settings.region(), StaticCredentialsProvider.create(AwsBasicCredentials.create("sam", "local")),
            settings.sdk()),
        Clock.SYSTEM);
    byte[] event = Files.readAllBytes(sample);

    assertNotNull(handler);
    if (sample.getFileName().toString().startsWith(MALFORMED)) {
      assertThrows(EventParser.MalformedEvent.class, () -> new EventParser().parse(event));
    } else {
      assertNotNull(new EventParser().parse(event));
    }
  }

  private static Map<String, String> withRegion(Map<String, String> variables) {
    Map<String, String> withRegion = new HashMap<>(variables);
    withRegion.put(Settings.REGION, "us-east-1");
    return withRegion;
  }
}
