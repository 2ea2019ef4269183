package com.lifecycleorchestrator.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.lifecycleorchestrator.core.Fleet;
import com.lifecycleorchestrator.core.LifecycleAction;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.DescribeInstanceInformationRequest;
import software.amazon.awssdk.services.ssm.model.DescribeInstanceInformationResponse;
import software.amazon.awssdk.services.ssm.model.InstanceInformation;
import software.amazon.awssdk.services.ssm.model.PingStatus;

/**
 * DescribeInstanceInformation's answer as the adapter reads it (SSM API Reference,
 * InstanceInformation: every member, PingStatus included, is optional in the model).
 */
class SsmAgentStatusTest {

  private static final LifecycleAction.InstanceId INSTANCE = new LifecycleAction.InstanceId("i-0a1b2c3d4e5f67890");

  @Test
  void theAgentIsTakenByItsPingStatus() {
    assertEquals(Fleet.Agent.ONLINE, agentListedWith(PingStatus.ONLINE));
    assertEquals(Fleet.Agent.CONNECTION_LOST, agentListedWith(PingStatus.CONNECTION_LOST));
    assertEquals(Fleet.Agent.INACTIVE, agentListedWith(PingStatus.INACTIVE));
  }

  @Test
  void anInstanceListedWithoutAPingStatusIsGivenItsRunbookRatherThanAResult() {
    assertEquals(Fleet.Agent.ONLINE, agentListedWith(null));
  }

  @Test
  void anInstanceNotListedIsNotManaged() {
    assertEquals(Fleet.Agent.NOT_MANAGED, answering(DescribeInstanceInformationResponse.builder().build()).agentOf(INSTANCE));
  }

  private static Fleet.Agent agentListedWith(PingStatus status) {
    return answering(DescribeInstanceInformationResponse.builder()
        .instanceInformationList(InstanceInformation.builder().instanceId(INSTANCE.value()).pingStatus(status).build())
        .build()).agentOf(INSTANCE);
  }

  /** The adapter over a client whose only call answers one page as given. */
  private static SsmAutomations answering(DescribeInstanceInformationResponse page) {
    return new SsmAutomations(new SsmClient() {
      @Override
      public DescribeInstanceInformationResponse describeInstanceInformation(DescribeInstanceInformationRequest request) {
        return page;
      }

      @Override
      public String serviceName() {
        return SERVICE_NAME;
      }

      @Override
      public void close() {}
    });
  }
}
