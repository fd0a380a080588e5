%% otp_bench — the Erlang twin of otp-cpp's benchmark suite (bench/*_bench.cpp, the otp_bench
%% executable): the same cases with the same message counts, message shapes and measurement.
%%
%% Every repetition of a case runs in a fresh process, first does a tenth of its batch untimed
%% (warm-up), then times the batch with erlang:monotonic_time/0; a case reports the median of its
%% repetitions. The module is also the gen_server of every case: its state is a counter, handle_call
%% replies with it, handle_cast adds one to it.
%%
%% Run: erl -noshell +S 2 -pa DIR -eval 'otp_bench:run(), halt().'
%%      run(Cases) / run(Cases, Repetitions) for a selection. idle_gen_server_memory must run alone
%%      in a fresh VM (memory freed by earlier cases would be reused and hide the growth).
%% Output: one line per case, tab-separated: Case, median Value, Unit, Count (the batch size) and the
%% coefficient of variation over the repetitions; for the memory case two extra lines with Erlang's
%% own accounting.
-module(otp_bench).
-behaviour(gen_server).

-export([run/0, run/1, run/2]).
-export([call_1to1/1, call_64x64/1, cast_1to1/1, send_1to1/1, ring_1000/1]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

-define(REPETITIONS, 5).

%% --- the cases (names and counts as in the C++ BENCHMARK registrations) --------------------------

cases() ->
    [{call_1to1, 200000}, {call_64x64, 256000}, {cast_1to1, 1000000}, {send_1to1, 2000000},
     {ring_1000, 1000000}, {spawn_gen_server, 100000}, {idle_gen_server_memory, 100000}].

run() -> run([call_1to1, call_64x64, cast_1to1, send_1to1, ring_1000, spawn_gen_server]).

run(Cases) -> run(Cases, ?REPETITIONS).

run(Cases, Repetitions) ->
    page_size(),  % cached before anything is measured
    lists:foreach(fun(Case) -> run_case(Case, proplists:get_value(Case, cases()), Repetitions) end, Cases).

run_case(idle_gen_server_memory = Case, Count, _Repetitions) ->
    {_Seconds, Resident, VmMemory, ProcessInfo} = in_process(fun() -> start_idle_servers(Count) end),
    report(Case, [Resident / Count], "bytes", Count),
    report(idle_gen_server_memory_erlang_memory_total, [VmMemory / Count], "bytes", Count),
    report(idle_gen_server_memory_process_info, [ProcessInfo], "bytes", 1);
run_case(spawn_gen_server = Case, Count, Repetitions) ->
    Micros = [in_process(fun() ->
                                 start_idle_servers(Count div 10),  % warm-up
                                 element(1, start_idle_servers(Count)) * 1.0e6 / Count
                         end)
              || _ <- lists:seq(1, Repetitions)],
    report(Case, Micros, "us/process", Count);
run_case(Case, Count, Repetitions) ->
    Rates = [in_process(fun() -> Count / ?MODULE:Case(Count) end) || _ <- lists:seq(1, Repetitions)],
    report(Case, Rates, "items/s", Count).

%% Each returns the seconds its timed batch took.

%% gen_server:call round trips, one client to one server.
call_1to1(Calls) ->
    {ok, Server} = gen_server:start(?MODULE, [], []),
    call_many(Server, Calls div 10),
    Start = erlang:monotonic_time(),
    call_many(Server, Calls),
    Elapsed = seconds_since(Start),
    gen_server:stop(Server),
    Elapsed.

%% 64 clients, each calling its own server; the clock runs from `go` until the last has finished.
call_64x64(Calls) ->
    Pairs = 64,
    PerClient = Calls div Pairs,
    Parent = self(),
    Servers = [begin {ok, S} = gen_server:start(?MODULE, [], []), S end || _ <- lists:seq(1, Pairs)],
    Clients = [spawn(fun() ->
                             call_many(Server, PerClient div 10),
                             Parent ! ready,
                             receive _Go -> ok end,
                             call_many(Server, PerClient),
                             Parent ! done
                     end)
               || Server <- Servers],
    receive_many(Pairs),  % ready
    Start = erlang:monotonic_time(),
    [Client ! go || Client <- Clients],
    receive_many(Pairs),  % done
    Elapsed = seconds_since(Start),
    [gen_server:stop(Server) || Server <- Servers],
    Elapsed.

%% N casts, then a call the server answers only after handling them all.
cast_1to1(Casts) ->
    {ok, Server} = gen_server:start(?MODULE, [], []),
    cast_batch(Server, Casts div 10),
    Elapsed = cast_batch(Server, Casts),
    gen_server:stop(Server),
    Elapsed.

cast_batch(Server, Casts) ->
    Start = erlang:monotonic_time(),
    cast_many(Server, 0, Casts),
    _ = gen_server:call(Server, ping, infinity),
    seconds_since(Start).

cast_many(_Server, N, N) -> ok;
cast_many(Server, I, N) ->
    gen_server:cast(Server, I),
    cast_many(Server, I + 1, N).

%% Plain `!` of the integers 0..N-1 to a receiver that answers `done` after N messages.
send_1to1(Count) ->
    send_batch(Count div 10),
    send_batch(Count).

send_batch(Count) ->
    Parent = self(),
    Receiver = spawn(fun() -> receive_many(Count), Parent ! done end),
    Start = erlang:monotonic_time(),
    send_many(Receiver, 0, Count),
    receive _Done -> ok end,
    seconds_since(Start).

send_many(_To, N, N) -> ok;
send_many(To, I, N) ->
    To ! I,
    send_many(To, I + 1, N).

%% One token (hops left) passed around a ring of 1000 processes, Hops times in all.
ring_1000(Hops) ->
    ring_batch(1000, Hops div 10),
    ring_batch(1000, Hops).

ring_batch(Size, Hops) ->
    Parent = self(),
    Members = [spawn(fun() -> ring_member(Parent, Size) end) || _ <- lists:seq(1, Size)],
    lists:foreach(fun({Member, Next}) -> Member ! Next end,
                  lists:zip(Members, tl(Members) ++ [hd(Members)])),
    Start = erlang:monotonic_time(),
    hd(Members) ! Hops,
    receive _Done -> ok end,
    seconds_since(Start).

ring_member(Parent, Size) ->
    receive Next -> ring_loop(Parent, Size, Next) end.

ring_loop(Parent, Size, Next) ->
    receive
        0 ->
            Parent ! done;
        HopsLeft ->
            Next ! HopsLeft - 1,
            if
                HopsLeft < Size -> ok;  % the token will not come back here
                true -> ring_loop(Parent, Size, Next)
            end
    end.

%% One parent start_links N servers; measured: the time that took, and once they are idle the growth
%% of the resident set (/proc/self/statm), of erlang:memory(total), and one server's process_info
%% memory. The parent then exits with shutdown, taking its servers down.
start_idle_servers(Count) ->
    ProcessesBefore = erlang:system_info(process_count),
    Measurer = self(),
    ResidentBefore = resident_bytes(),
    VmBefore = erlang:memory(total),
    Parent = spawn(fun() -> parent_of_servers(Measurer, Count) end),
    {Seconds, LastServer} = receive {started, S, P} -> {S, P} end,
    receive after 20 -> ok end,  % as the C++ side: let the last servers settle
    ResidentAfter = resident_bytes(),
    VmAfter = erlang:memory(total),
    {memory, ProcessInfo} = erlang:process_info(LastServer, memory),
    Parent ! stop,
    wait_for_process_count(ProcessesBefore),
    {Seconds, max(0, ResidentAfter - ResidentBefore), VmAfter - VmBefore, ProcessInfo}.

parent_of_servers(Measurer, Count) ->
    Start = erlang:monotonic_time(),
    Last = start_link_many(Count, undefined),
    Measurer ! {started, seconds_since(Start), Last},
    receive _Stop -> exit(shutdown) end.

start_link_many(0, Last) -> Last;
start_link_many(N, _Last) ->
    {ok, Server} = gen_server:start_link(?MODULE, [], []),
    start_link_many(N - 1, Server).

%% --- gen_server callbacks ------------------------------------------------------------------------

init([]) -> {ok, 0}.
handle_call(_Request, _From, Count) -> {reply, Count, Count}.
handle_cast(_Message, Count) -> {noreply, Count + 1}.
handle_info(_Info, Count) -> {noreply, Count}.

%% --- helpers -------------------------------------------------------------------------------------

call_many(_Server, 0) -> ok;
call_many(Server, N) ->
    _ = gen_server:call(Server, ping),
    call_many(Server, N - 1).

receive_many(0) -> ok;
receive_many(N) -> receive _ -> receive_many(N - 1) end.

seconds_since(Start) ->
    erlang:convert_time_unit(erlang:monotonic_time() - Start, native, nanosecond) / 1.0e9.

%% Runs Fun in a fresh process (a clean heap and mailbox) and returns its result.
in_process(Fun) ->
    {Pid, Ref} = spawn_monitor(fun() -> exit({result, Fun()}) end),
    receive
        {'DOWN', Ref, process, Pid, {result, Result}} -> Result;
        {'DOWN', Ref, process, Pid, Reason} -> erlang:error({case_failed, Reason})
    end.

wait_for_process_count(Count) ->
    case erlang:system_info(process_count) > Count of
        true -> timer:sleep(1), wait_for_process_count(Count);
        false -> ok
    end.

resident_bytes() ->
    {ok, Statm} = file:read_file("/proc/self/statm"),
    [_Size, Resident | _] = binary:split(Statm, <<" ">>, [global]),
    binary_to_integer(Resident) * page_size().

page_size() ->
    case persistent_term:get({?MODULE, page_size}, undefined) of
        undefined ->
            Size = list_to_integer(string:trim(os:cmd("getconf PAGESIZE"))),
            persistent_term:put({?MODULE, page_size}, Size),
            Size;
        Size ->
            Size
    end.

median(Values) ->
    Sorted = lists:sort(Values),
    N = length(Sorted),
    case N rem 2 of
        1 -> lists:nth(N div 2 + 1, Sorted);
        0 -> (lists:nth(N div 2, Sorted) + lists:nth(N div 2 + 1, Sorted)) / 2
    end.

%% Coefficient of variation (sample standard deviation / mean), as Google Benchmark's _cv.
coefficient_of_variation([_]) -> 0.0;
coefficient_of_variation(Values) ->
    N = length(Values),
    Mean = lists:sum(Values) / N,
    Variance = lists:sum([(V - Mean) * (V - Mean) || V <- Values]) / (N - 1),
    case Mean == 0 of
        true -> 0.0;
        false -> math:sqrt(Variance) / Mean
    end.

%% One line: Case, median, Unit, Count, coefficient of variation over the repetitions.
report(Case, Values, Unit, Count) ->
    io:format("~s\t~.2f\t~s\t~b\t~.4f~n",
              [Case, float(median(Values)), Unit, Count, float(coefficient_of_variation(Values))]).
