package com.lifecycleorchestrator.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.settings.Settings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The template's switches, UseWaitingRoom and UseReconciler: on by default; off, each takes away
 * all it brings (resources, outputs, the variable that turns it on in the function) and the
 * function's settings have it no more. The function's policy with a switch off is held to the
 * code by {@link FunctionPermissionsTest}, over every {@link Deployment}.
 */
class SwitchesTest {

  private static final List<String> WAITING_ROOM_RESOURCES = List.of(
      "WaitingRoomQueue", "WaitingRoomDeadLetterQueue", "WaitingRoomLostAlarm", "OrchestratorFunctionWaitingRoom");
  private static final List<String> WAITING_ROOM_OUTPUTS = List.of("WaitingRoomQueueUrl", "WaitingRoomDeadLetterQueueUrl");
  private static final List<String> RECONCILER_RESOURCES = List.of(
      "OrchestratorFunctionReconcile", "OrchestratorFunctionReconcilePermission");
  private static final List<String> RECONCILER_OUTPUTS = List.of("ReconcileRuleName");

  @Test
  void bothAreOnByDefault() {
    StackTemplate template = Deployment.DEFAULTS.template();
    Settings settings = Deployment.DEFAULTS.settings();

    WAITING_ROOM_RESOURCES.forEach(id -> assertTrue(template.resource(id).isPresent(), id));
    RECONCILER_RESOURCES.forEach(id -> assertTrue(template.resource(id).isPresent(), id));
    assertEquals(Deployment.DEPLOYED_RESOURCES.get("WaitingRoomQueue"), settings.waitingRoomQueueUrl().orElseThrow());
    assertTrue(settings.reconciler().isPresent());
  }

  @Test
  void withoutTheWaitingRoomNothingOfItIsDeployedAndTheFunctionParksNothing() {
    StackTemplate template = Deployment.WITHOUT_WAITING_ROOM.template();

    WAITING_ROOM_RESOURCES.forEach(id -> assertFalse(template.resource(id).isPresent(), id));
    WAITING_ROOM_OUTPUTS.forEach(id -> assertFalse(outputIn(template, id), id));
    assertEquals("", template.functionVariables().get(Settings.WAITING_ROOM_QUEUE_URL));
    assertTrue(Deployment.WITHOUT_WAITING_ROOM.settings().waitingRoomQueueUrl().isEmpty());
    assertTrue(Deployment.WITHOUT_WAITING_ROOM.settings().reconciler().isPresent());
  }

  @Test
  void withoutTheReconcilerNoPassIsScheduledAndTheFunctionHasNoReconciler() {
    StackTemplate template = Deployment.WITHOUT_RECONCILER.template();

    RECONCILER_RESOURCES.forEach(id -> assertFalse(template.resource(id).isPresent(), id));
    RECONCILER_OUTPUTS.forEach(id -> assertFalse(outputIn(template, id), id));
    assertEquals("", template.functionVariables().get(Settings.GROUP_NAMES));
    assertTrue(Deployment.WITHOUT_RECONCILER.settings().reconciler().isEmpty());
    assertTrue(Deployment.WITHOUT_RECONCILER.settings().waitingRoomQueueUrl().isPresent());
  }

  @Test
  void theScheduleAndTheEventSourceInvokeThePublishedAlias() {
    StackTemplate template = Deployment.DEFAULTS.template();
    Object alias = Map.of("Ref", "OrchestratorFunction.Alias");

    assertEquals(alias, StackTemplate.map(((List<?>) template.requiredResource("OrchestratorFunctionReconcile")
        .get("Targets")).get(0)).get("Arn"));
    assertEquals(alias, template.requiredResource("OrchestratorFunctionReconcilePermission").get("FunctionName"));
    assertEquals(alias, template.requiredResource("OrchestratorFunctionWaitingRoom").get("FunctionName"));
  }

  private static boolean outputIn(StackTemplate template, String output) {
    Object condition = StackTemplate.map(StackTemplate.section("Outputs").get(output)).get("Condition");
    return condition == null || template.condition((String) condition);
  }
}
