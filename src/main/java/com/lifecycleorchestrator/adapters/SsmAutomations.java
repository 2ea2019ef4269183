package com.lifecycleorchestrator.adapters;

import com.lifecycleorchestrator.core.Fleet;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.Automations;
import com.lifecycleorchestrator.core.ServiceFailure;
import java.util.Comparator;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.AutomationDefinitionNotFoundException;
import software.amazon.awssdk.services.ssm.model.AutomationExecution;
import software.amazon.awssdk.services.ssm.model.AutomationDefinitionVersionNotFoundException;
import software.amazon.awssdk.services.ssm.model.AutomationExecutionFilterKey;
import software.amazon.awssdk.services.ssm.model.AutomationExecutionLimitExceededException;
import software.amazon.awssdk.services.ssm.model.AutomationExecutionNotFoundException;
import software.amazon.awssdk.services.ssm.model.IdempotentParameterMismatchException;
import software.amazon.awssdk.services.ssm.model.InvalidAutomationExecutionParametersException;
import software.amazon.awssdk.services.ssm.model.InstanceInformation;
import software.amazon.awssdk.services.ssm.model.InvalidInstanceIdException;
import software.amazon.awssdk.services.ssm.model.InvalidTargetException;
import software.amazon.awssdk.services.ssm.model.Tag;

/** SSM Automation through the AWS SDK: the only code that knows SSM's wire types and error codes. */
public final class SsmAutomations implements Automations {

  private final SsmClient ssm;

  public SsmAutomations(SsmClient ssm) {
    this.ssm = ssm;
  }

  @Override
  public Runbook.ExecutionId start(Runbook.Start start) {
    try {
      String id = ssm.startAutomationExecution(request -> request
              .documentName(start.documentName())
              .parameters(start.parameters())
              .clientToken(start.clientToken())
              .tags(start.tags().entrySet().stream()
                  .map(tag -> Tag.builder().key(tag.getKey()).value(tag.getValue()).build())
                  .sorted(Comparator.comparing(Tag::key))
                  .toList()))
          .automationExecutionId();
      return new Runbook.ExecutionId(id);
    } catch (IdempotentParameterMismatchException e) {
      throw new ServiceFailure.ClientTokenReused(ServiceFailures.codeOf(e), ServiceFailures.messageOf(e), e);
    } catch (AutomationExecutionLimitExceededException e) {
      throw new ServiceFailure.ExecutionLimitReached(ServiceFailures.codeOf(e), ServiceFailures.messageOf(e), e);
    } catch (AutomationDefinitionNotFoundException
             | AutomationDefinitionVersionNotFoundException
             | InvalidAutomationExecutionParametersException
             | InvalidTargetException e) {
      throw new ServiceFailure.Rejected(ServiceFailures.codeOf(e), ServiceFailures.messageOf(e), e);
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }

  /**
   * Looks the execution up by the tag key only it carries, and keeps the one whose document name is
   * exactly ours: DescribeAutomationExecutions can filter by a document name's prefix only
   * (DocumentNamePrefix), and by a tag key exactly (TagKey). Every page is read: a filtered listing
   * may answer with an empty page and a NextToken.
   */
  @Override
  public Optional<Runbook.Found> findEarlier(Runbook.Start start) {
    try {
      return ssm.describeAutomationExecutionsPaginator(request -> request.filters(
              filter -> filter.key(AutomationExecutionFilterKey.TAG_KEY).values(start.lookupTagKey()),
              filter -> filter.key(AutomationExecutionFilterKey.DOCUMENT_NAME_PREFIX).values(start.documentName())))
          .automationExecutionMetadataList().stream()
          .filter(found -> start.documentName().equals(found.documentName()))
          .findFirst()
          .map(found -> new Runbook.Found(new Runbook.ExecutionId(found.automationExecutionId()),
              new Runbook.Observation(new Runbook.Status(found.automationExecutionStatusAsString()),
                  Optional.ofNullable(found.executionStartTime()), Optional.ofNullable(found.executionEndTime()))));
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }

  /**
   * Follows every page of DescribeInstanceInformation filtered by the one instance id: a filtered
   * listing may answer with an empty page and a NextToken before the page that holds the instance.
   */
  /**
   * The agent by its ping status. PingStatus is optional in the API's model: SSM lists the instance
   * but does not say, so the runbook is tried, and its own failure, if any, is what the action ends
   * with, rather than a result sent for an agent nobody saw offline.
   */
  private static Fleet.Agent agentBy(InstanceInformation information) {
    if (information.pingStatus() == null) {
      return Fleet.Agent.ONLINE;
    }
    return switch (information.pingStatus()) {
      case ONLINE -> Fleet.Agent.ONLINE;
      case CONNECTION_LOST -> Fleet.Agent.CONNECTION_LOST;
      default -> Fleet.Agent.INACTIVE;
    };
  }

  @Override
  public Fleet.Agent agentOf(LifecycleAction.InstanceId instance) {
    try {
      return ssm.describeInstanceInformationPaginator(request -> request.filters(filter -> filter
              .key("InstanceIds")
              .values(instance.value())))
          .instanceInformationList().stream()
          .filter(information -> instance.value().equals(information.instanceId()))
          .findFirst()
          .map(SsmAutomations::agentBy)
          .orElse(Fleet.Agent.NOT_MANAGED);
    } catch (InvalidInstanceIdException e) {
      // How SSM answers a filter by an instance id it does not manage (or that does not exist).
      return Fleet.Agent.NOT_MANAGED;
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }

  @Override
  public Runbook.Observation observe(Runbook.ExecutionId execution) {
    try {
      AutomationExecution seen = ssm.getAutomationExecution(request -> request
              .automationExecutionId(execution.value()))
          .automationExecution();
      return new Runbook.Observation(new Runbook.Status(seen.automationExecutionStatusAsString()),
          Optional.ofNullable(seen.executionStartTime()), Optional.ofNullable(seen.executionEndTime()));
    } catch (AutomationExecutionNotFoundException e) {
      throw new ServiceFailure.ExecutionNotFound(ServiceFailures.codeOf(e), ServiceFailures.messageOf(e), e);
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }
}
