package com.lifecycleorchestrator.deployment;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.lifecycleorchestrator.settings.Settings;
import java.io.DataInputStream;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The function in {@code template.yaml} against the code it runs: its handler, runtime and variables. */
class FunctionConfigurationTest {

  /**
   * Lambda sets these itself and refuses a function configuration that sets any of them (Lambda
   * developer guide, "Defined runtime environment variables").
   */
  private static final Set<String> SET_BY_LAMBDA = Set.of("_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION",
      "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
      "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
      "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ");

  /** Powertools reads the variables of its own prefix, such as POWERTOOLS_SERVICE_NAME. */
  private static final String READ_BY_POWERTOOLS = "POWERTOOLS_";

  /** The class-file version each Lambda Java runtime runs, and older. */
  private static final Map<String, Integer> CLASS_FILE_VERSION_OF_RUNTIME =
      Map.of("java11", 55, "java17", 61, "java21", 65, "java25", 69);

  private final Map<String, Object> function = Deployment.DEFAULTS.template().requiredResource("OrchestratorFunction");

  @Test
  void theHandlerNamesAClassLambdaCanBuildAndAMethodItCanCall() throws ClassNotFoundException {
    String[] handler = ((String) function.get("Handler")).split("::");
    assertEquals(2, handler.length, "Handler must be <class>::<method>, got " + function.get("Handler"));

    Class<?> type = Class.forName(handler[0], false, getClass().getClassLoader());

    assertTrue(Modifier.isPublic(type.getModifiers()) && !Modifier.isAbstract(type.getModifiers()),
        type + " must be a public concrete class");
    assertDoesNotThrow(() -> type.getConstructor(), type + " needs a public constructor without arguments");
    assertTrue(RequestStreamHandler.class.isAssignableFrom(type) || RequestHandler.class.isAssignableFrom(type),
        type + " implements neither of Lambda's handler interfaces");
    assertTrue(Arrays.stream(type.getMethods()).anyMatch(method -> method.getName().equals(handler[1])
            && method.getParameterCount() >= 2
            && method.getParameterTypes()[method.getParameterCount() - 1] == Context.class),
        type + " has no public method " + handler[1] + " taking Lambda's Context last");
  }

  @Test
  void theRuntimeRunsTheCompiledClasses() throws ClassNotFoundException, IOException {
    String handlerClass = ((String) function.get("Handler")).split("::")[0];
    int runtimeVersion = CLASS_FILE_VERSION_OF_RUNTIME.get((String) function.get("Runtime"));

    try (DataInputStream classFile = new DataInputStream(Class.forName(handlerClass, false, getClass().getClassLoader())
        .getResourceAsStream("/" + handlerClass.replace('.', '/') + ".class"))) {
      classFile.skipBytes(6);
      int compiledVersion = classFile.readUnsignedShort();

      assertTrue(compiledVersion <= runtimeVersion, "classes of class-file version " + compiledVersion
          + " cannot run on " + function.get("Runtime"));
    }
  }

  @ParameterizedTest
  @EnumSource(Deployment.class)
  void everyVariableTheSettingsReadIsSetByTheTemplate(Deployment deployment) {
    Set<String> set = variables(deployment).keySet();

    Set<String> unset = Settings.VARIABLES.stream()
        .filter(name -> !SET_BY_LAMBDA.contains(name) && !set.contains(name))
        .collect(Collectors.toCollection(TreeSet::new));

    assertEquals(Set.of(), unset, "the settings read these variables, which the template does not set");
  }

  @ParameterizedTest
  @EnumSource(Deployment.class)
  void theTemplateSetsOnlyVariablesTheFunctionReadsAndNoneLambdaReserves(Deployment deployment) {
    Set<String> unread = variables(deployment).keySet().stream()
        .filter(name -> !Settings.VARIABLES.contains(name) && !name.startsWith(READ_BY_POWERTOOLS)
            || SET_BY_LAMBDA.contains(name))
        .collect(Collectors.toCollection(TreeSet::new));

    assertEquals(Set.of(), unread, "the template sets these variables, which nothing reads or Lambda reserves");
  }

  @ParameterizedTest
  @EnumSource(Deployment.class)
  void theValuesTheTemplateSetsAreValidSettings(Deployment deployment) {
    assertDoesNotThrow(deployment::settings);
  }

  @Test
  void theFunctionTimesItsHeartbeatsByTheTimeoutOfTheHookTheStackCreates() {
    StackTemplate template = StackTemplate.deployedWith(Map.of(
        "AutoScalingGroupName", "web-asg", "HeartbeatTimeoutSeconds", "900",
        "LaunchAutomationDocumentName", "warm-up-instance"));
    Object functionTimeout = template.functionVariables().get(Settings.HEARTBEAT_TIMEOUT);

    assertEquals("900", functionTimeout);
    assertEquals("900", template.requiredResource("TerminateLifecycleHook").get("HeartbeatTimeout"));
    assertEquals("900", template.requiredResource("LaunchLifecycleHook").get("HeartbeatTimeout"));
  }

  private static Map<String, Object> variables(Deployment deployment) {
    return deployment.template().functionVariables();
  }
}
