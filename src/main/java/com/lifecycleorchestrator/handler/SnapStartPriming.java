package com.lifecycleorchestrator.handler;

import com.lifecycleorchestrator.adapters.SdkPriming;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Readies the function for its first invocation before Lambda takes its SnapStart snapshot: reads a
 * sample terminate event and a continuation as the handler does, writes a report as it does, logs
 * one line through Powertools' layout, and makes each AWS call once through {@link SdkPriming},
 * which answers locally. Nothing is sent to AWS and no credentials are fetched; the classes loaded
 * and initialised here are in the snapshot, so a restored function does not load them while an
 * instance waits. Without SnapStart (on-demand initialisation) Lambda never calls it; there,
 * {@link Priming#startedAlongsideOnDemandInit} does the same for the calls every lifecycle action
 * makes, on a thread of its own while the init goes on.
 */
final class SnapStartPriming implements Resource {

  private static final Logger LOG = LoggerFactory.getLogger(SnapStartPriming.class);

  private final String region;
  private final Runnable onRestore;

  private SnapStartPriming(String region, Runnable onRestore) {
    this.region = region;
    this.onRestore = onRestore;
  }

  /**
   * A priming registered with the CRaC context that Lambda's runtime runs before the snapshot.
   * Keep the result: a context may hold its resources only weakly.
   *
   * @param onRestore what to do after a restore, before the first invocation
   */
  static SnapStartPriming registeredFor(String region, Runnable onRestore) {
    SnapStartPriming priming = new SnapStartPriming(region, onRestore);
    Core.getGlobalContext().register(priming);
    return priming;
  }

  @Override
  public void beforeCheckpoint(Context<? extends Resource> context) throws Exception {
    Priming.readTheSamplesAndWriteAReport();
    SdkPriming.primeEveryCall(region);
    LOG.info("primed for SnapStart: events read, every AWS call made once against a local answer");
  }

  @Override
  public void afterRestore(Context<? extends Resource> context) {
    onRestore.run();
  }
}
